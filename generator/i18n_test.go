package generator

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/wandstore/wandstore/i18n"
)

// TestBuildRefusesBrokenMessages: a message file that does not load fails
// the build loudly, and nothing is published.
func TestBuildRefusesBrokenMessages(t *testing.T) {
	s := newSite(t, shop)
	restore := i18n.Override(fstest.MapFS{
		"locales/en/core.yaml": {Data: []byte("greeting: \"Hi, %s\"\n")},
		"locales/ja/core.yaml": {Data: []byte("greeting: [\n")},
	})
	defer restore()
	_, err := Build(context.Background(), s.options())
	if err == nil || !strings.Contains(err.Error(), "locales/ja/core.yaml") {
		t.Fatalf("Build = %v, want an error naming the broken file", err)
	}
	if s.exists("s/tea/index.html") || s.exists("index.html") {
		t.Error("a build with broken messages published pages")
	}
}

// TestJapaneseStorePages: a Japanese store's built pages (and its search
// index) say "From" and "All products" in Japanese, and its 404 and island
// pages too.
func TestJapaneseStorePages(t *testing.T) {
	s := newSite(t, shop)
	s.edit("tea/store.yaml", "locale: en-US", "locale: ja-JP")
	s.build()
	ja := i18n.For("ja-JP")
	for rel, want := range map[string]string{
		"s/tea/404.html":                   ja.T("notfound.title"),
		"s/tea/cart/index.html":            ja.T("cart.title"),
		"s/tea/wishlist/index.html":        ja.T("wishlist.title"),
		"s/tea/account/index.html":         ja.T("preferences.title"),
		"s/tea/search/index.html":          ja.T("search.popular"),
		"s/tea/collections/all/index.html": ja.T("collection.all"),
	} {
		page := s.read(rel)
		if !strings.Contains(page, want) {
			t.Errorf("%s lacks %q", rel, want)
		}
		if !strings.Contains(page, `<html lang="ja-JP">`) {
			t.Errorf("%s is not marked Japanese", rel)
		}
	}
}

// TestLanguageWithoutMessagesIsLogged: a store in a language WandStore
// has no messages for builds (in English) and the log says so.
func TestLanguageWithoutMessagesIsLogged(t *testing.T) {
	s := newSite(t, shop)
	s.edit("tea/store.yaml", "locale: en-US", "locale: pt-BR")
	var log bytes.Buffer
	s.build(func(o *Options) { o.Log = slog.New(slog.NewTextHandler(&log, nil)) })
	if !strings.Contains(log.String(), "no messages in the store's language") || !strings.Contains(log.String(), "language=pt") {
		t.Errorf("no warning about Portuguese:\n%s", log.String())
	}
	if !strings.Contains(s.read("s/tea/404.html"), i18n.For("en").T("notfound.title")) {
		t.Error("the pages are not in English")
	}
}
