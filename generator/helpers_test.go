package generator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/wandstore/wandstore/catalog/contentdir"
	"github.com/wandstore/wandstore/internal/testkit"
)

// site is a content folder described as a txtar archive
// (testkit.ContentFS), editable between builds.
type site struct {
	t   *testing.T
	fs  fstest.MapFS
	out string
}

func newSite(t *testing.T, archive string) *site {
	t.Helper()
	return &site{t: t, fs: testkit.ContentFS(archive), out: t.TempDir()}
}

func (s *site) write(name, data string) {
	s.fs[name] = &fstest.MapFile{Data: []byte(data), Mode: 0o644}
}

func (s *site) edit(name, old, new string) {
	s.t.Helper()
	f, ok := s.fs[name]
	if !ok || !bytes.Contains(f.Data, []byte(old)) {
		s.t.Fatalf("edit %s: %q not found", name, old)
	}
	s.write(name, strings.Replace(string(f.Data), old, new, 1))
}

func (s *site) options() Options {
	return Options{
		Source: contentdir.New(s.fs), Out: s.out, SiteURL: "https://shop.test/",
		RenderVersion: "test", Workers: 4,
	}
}

func (s *site) build(mod ...func(*Options)) *Summary {
	s.t.Helper()
	opts := s.options()
	for _, m := range mod {
		m(&opts)
	}
	sum, err := Build(context.Background(), opts)
	if err != nil {
		s.t.Fatalf("build: %v", err)
	}
	return sum
}

func (s *site) read(rel string) string {
	s.t.Helper()
	data, err := os.ReadFile(filepath.Join(s.out, filepath.FromSlash(rel)))
	if err != nil {
		s.t.Fatalf("read output: %v", err)
	}
	return string(data)
}

func (s *site) exists(rel string) bool {
	_, err := os.Stat(filepath.Join(s.out, filepath.FromSlash(rel)))
	return err == nil
}

func (s *site) doc(rel string) *goquery.Document {
	s.t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(s.read(rel)))
	if err != nil {
		s.t.Fatalf("parse %s: %v", rel, err)
	}
	return d
}

// jsonLD returns the page's structured data blocks by @type.
func jsonLD(t *testing.T, d *goquery.Document) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	d.Find(`script[type="application/ld+json"]`).Each(func(_ int, sel *goquery.Selection) {
		var v map[string]any
		if err := json.Unmarshal([]byte(sel.Text()), &v); err != nil {
			t.Fatalf("JSON-LD does not parse: %v\n%s", err, sel.Text())
		}
		out[v["@type"].(string)] = v
	})
	return out
}

// snapshot maps every output file to its modification time and size.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = fmt.Sprintf("%s/%d", info.ModTime().Format(time.RFC3339Nano), info.Size())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300" viewBox="0 0 400 300"><rect width="400" height="300" fill="#639"/></svg>`
