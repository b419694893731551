package i18n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// shipped are the languages the issue promises complete.
var shipped = []string{"en", "ja", "de", "fr", "es"}

func TestFilesLoad(t *testing.T) {
	if err := Check(); err != nil {
		t.Fatal(err)
	}
	for _, l := range shipped {
		if !slices.Contains(Languages(), l) {
			t.Errorf("no messages for %s", l)
		}
	}
}

// TestNoMissingKeys lists every English key a shipped language lacks (it
// would be shown in English).
func TestNoMissingKeys(t *testing.T) {
	for lang, keys := range Missing() {
		if slices.Contains(shipped, lang) {
			t.Errorf("%s lacks %d keys (shown in English):\n  %s", lang, len(keys), strings.Join(keys, "\n  "))
		} else {
			t.Logf("%s lacks %d keys", lang, len(keys))
		}
	}
}

// TestNoKeysBeyondEnglish: a key only a translation has is a typo or a
// key English dropped.
func TestNoKeysBeyondEnglish(t *testing.T) {
	en := For(Fallback)
	for _, lang := range Languages() {
		for _, k := range For(lang).Keys() {
			if en.Has(k) {
				continue
			}
			if base, ok := strings.CutSuffix(k, ".other"); ok && en.Has(base+".one") {
				continue
			}
			t.Errorf("%s defines %q, which English does not", lang, k)
		}
	}
}

// TestTranslationsTakeTheSameArguments: a translation that drops or
// retypes an argument would print "%!d(string=...)" to a shopper.
func TestTranslationsTakeTheSameArguments(t *testing.T) {
	en := For(Fallback)
	for _, lang := range Languages() {
		m := For(lang)
		for _, k := range m.Keys() {
			ek := k
			if !en.Has(ek) {
				ek = strings.TrimSuffix(k, ".other") + ".one"
			}
			want, got := args(en.m[ek]), args(m.m[k])
			if strings.HasSuffix(ek, ".one") && !strings.HasSuffix(k, ".one") {
				// A language's only form stands for English's one and other.
				want = args(en.m[strings.TrimSuffix(ek, ".one")+".other"])
			}
			if !slices.Equal(want, got) {
				t.Errorf("%s %q takes %v, English takes %v", lang, k, got, want)
			}
		}
	}
}

var useRE = regexp.MustCompile(`\.(T|N|Parts|NParts)\(\s*"([A-Za-z0-9_.-]+)"`)

// TestEveryKeyUsedExists scans the code for T("key"), N("key", ...),
// Parts("key") and NParts("key", ...)
// calls: each key must be in English (N's key with .one or .other).
func TestEveryKeyUsedExists(t *testing.T) {
	en := For(Fallback)
	root := ".."
	var used int
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "testdata", "public", ".wandstore":
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, "_test.go") || !strings.HasSuffix(p, ".templ") && !(strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_templ.go")) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range useRE.FindAllStringSubmatch(string(b), -1) {
			used++
			key := m[2]
			ok := en.Has(key)
			if m[1] == "N" || m[1] == "NParts" {
				ok = en.Has(key+".other") && en.Has(key+".one")
			}
			if !ok {
				t.Errorf("%s uses %s(%q), which English does not define", p, m[1], key)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d message uses checked", used)
}

func TestNumbersAndDates(t *testing.T) {
	day := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		locale, n, n4, date string
	}{
		{"en-US", "1,234,567", "1,234", "December 6, 2026"},
		{"ja-JP", "1,234,567", "1,234", "2026年12月6日"},
		{"de-DE", "1.234.567", "1.234", "6. Dezember 2026"},
		{"fr-FR", "1\u202f234\u202f567", "1\u202f234", "6 décembre 2026"},
		{"es-ES", "1.234.567", "1234", "6 de diciembre de 2026"},
		{"xx", "1,234,567", "1,234", "December 6, 2026"},
	} {
		m := For(c.locale)
		if got := m.Int(1234567); got != c.n {
			t.Errorf("%s Int(1234567) = %q, want %q", c.locale, got, c.n)
		}
		if got := m.Int(1234); got != c.n4 {
			t.Errorf("%s Int(1234) = %q, want %q", c.locale, got, c.n4)
		}
		if got := m.Int(-12); got != "-12" {
			t.Errorf("%s Int(-12) = %q", c.locale, got)
		}
		if got := m.Date(day); got != c.date {
			t.Errorf("%s Date = %q, want %q", c.locale, got, c.date)
		}
	}
}

func TestPluralForms(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int
		want string
	}{
		{"en", 0, "other"}, {"en", 1, "one"}, {"en", 2, "other"},
		{"fr", 0, "one"}, {"fr", 1, "one"}, {"fr", 2, "other"},
		{"ja", 1, "other"}, {"de", 1, "one"}, {"es", 5, "other"},
	} {
		if got := For(c.lang).pluralForm(c.n); got != c.want {
			t.Errorf("%s plural(%d) = %s, want %s", c.lang, c.n, got, c.want)
		}
	}
}

func TestUnknownKeyShowsItself(t *testing.T) {
	if got := For("ja").T("no.such.key"); got != "no.such.key" {
		t.Errorf("T(unknown) = %q", got)
	}
}

// TestCheckRefusesBrokenFiles: each way a message file can be broken is
// an error naming it, so a build fails instead of showing keys or English.
func TestCheckRefusesBrokenFiles(t *testing.T) {
	good := "greeting: \"Hi, %s\"\n"
	for _, c := range []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"YAML error", fstest.MapFS{
			"locales/en/core.yaml": {Data: []byte(good)},
			"locales/ja/core.yaml": {Data: []byte("greeting: \"こんにちは、%s\n")},
		}, "locales/ja/core.yaml"},
		{"key twice", fstest.MapFS{
			"locales/en/core.yaml":  {Data: []byte(good)},
			"locales/en/other.yaml": {Data: []byte(good)},
		}, `key "greeting" is already defined`},
		{"arguments differ", fstest.MapFS{
			"locales/en/core.yaml": {Data: []byte(good)},
			"locales/de/core.yaml": {Data: []byte("greeting: \"Hallo, %d\"\n")},
		}, `de "greeting" takes [1:d], English takes [1:s]`},
		{"no English", fstest.MapFS{
			"locales/de/core.yaml": {Data: []byte(good)},
		}, "no en messages"},
		{"not a map of strings", fstest.MapFS{
			"locales/en/core.yaml": {Data: []byte("greeting: [a, b]\n")},
		}, "locales/en/core.yaml"},
	} {
		t.Run(c.name, func(t *testing.T) {
			restore := Override(c.files)
			defer restore()
			err := Check()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Check() = %v, want an error with %q", err, c.want)
			}
		})
	}
	if err := Check(); err != nil {
		t.Fatalf("after restore: %v", err)
	}
	restore := Override(fstest.MapFS{"locales/en/core.yaml": {Data: []byte(good)}, "locales/de/core.yaml": {Data: []byte("greeting: \"Hallo, %s\"\n")}})
	defer restore()
	if err := Check(); err != nil {
		t.Fatalf("good files: %v", err)
	}
	if got := For("de-DE").T("greeting", "Ana"); got != "Hallo, Ana" {
		t.Errorf("overridden message = %q", got)
	}
}

func TestLanguage(t *testing.T) {
	for _, c := range []struct {
		locale, lang string
		ok           bool
	}{{"ja-JP", "ja", true}, {"de", "de", true}, {"", "en", true}, {"pt-BR", "pt", false}, {"FR-ca", "fr", true}} {
		lang, ok := Language(c.locale)
		if lang != c.lang || ok != c.ok {
			t.Errorf("Language(%q) = %q, %v; want %q, %v", c.locale, lang, ok, c.lang, c.ok)
		}
		if !ok && For(c.locale).Lang() != Fallback {
			t.Errorf("For(%q) is not English", c.locale)
		}
	}
}
