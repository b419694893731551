// Package i18n is WandStore's message catalog: every interface string a
// shopper reads (buttons, labels, headings, errors) comes from here, in the
// store's language. Catalog text (product titles, descriptions) is the
// merchant's and is never translated here.
//
// Messages live in locales/<language>/*.yaml, one flat map of keys to text
// per file (files split a language by area: core.yaml, checkout.yaml, ...;
// a key defined twice in one language is an error). English is complete
// by definition; a key missing in another language falls back to English,
// and Missing lists those keys (a test prints them). Messages may take
// arguments as fmt verbs ("%d", "%s", "%[2]s" when a language orders them
// differently); a test checks that every translation takes the same
// arguments as its English original.
//
// Plurals: a key with forms has "<key>.one" and "<key>.other" (English,
// German, French, Spanish) or only "<key>.other" (Japanese); N picks the
// form the language's rule gives for n.
package i18n

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/wandstore/wandstore/catalog"
	"gopkg.in/yaml.v3"
)

//go:embed locales
var files embed.FS

// Fallback is the language every key exists in.
const Fallback = "en"

// Messages is one language's catalog; its methods never fail (a key
// missing everywhere is shown as the key itself, which a test prevents).
type Messages struct {
	lang     string
	m        map[string]string
	fallback *Messages // nil for English
}

var (
	loadOnce sync.Once
	langs    map[string]*Messages
	loadErr  error
)

func load() { langs, loadErr = loadFS(files) }

// loadFS reads every language under locales/ of fsys.
func loadFS(fsys fs.FS) (map[string]*Messages, error) {
	langs := map[string]*Messages{}
	dirs, err := fs.ReadDir(fsys, "locales")
	if err != nil {
		return nil, fmt.Errorf("i18n: %w", err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		lang := d.Name()
		m, err := readLang(fsys, lang)
		if err != nil {
			return nil, err
		}
		langs[lang] = &Messages{lang: lang, m: m}
	}
	en := langs[Fallback]
	if en == nil {
		return nil, fmt.Errorf("i18n: no %s messages", Fallback)
	}
	for l, ms := range langs {
		if l != Fallback {
			ms.fallback = en
		}
	}
	return langs, nil
}

func readLang(fsys fs.FS, lang string) (map[string]string, error) {
	dir := path.Join("locales", lang)
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	from := map[string]string{}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".yaml" {
			continue
		}
		name := path.Join(dir, e.Name())
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var m map[string]string
		if err := yaml.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", name, err)
		}
		for k, v := range m {
			if prev, dup := from[k]; dup {
				return nil, fmt.Errorf("i18n: %s: key %q is already defined in %s", name, k, prev)
			}
			out[k], from[k] = v, name
		}
	}
	return out, nil
}

// Override makes the messages those of fsys (a folder holding locales/),
// for a test of what a broken message file does, until restore is called.
// Not safe while pages render concurrently.
func Override(fsys fs.FS) (restore func()) {
	loadOnce.Do(load)
	prevLangs, prevErr := langs, loadErr
	langs, loadErr = loadFS(fsys)
	if langs == nil {
		langs = map[string]*Messages{}
	}
	return func() { langs, loadErr = prevLangs, prevErr }
}

// Check reports a message file that cannot be read (a YAML error, a key
// defined twice); the tests and the build call it so a broken file fails
// loudly rather than showing English.
//
// A translation that takes other arguments than its English original (it
// would print "%!d(string=...)" to a shopper) is an error too.
func Check() error {
	loadOnce.Do(load)
	if loadErr != nil {
		return loadErr
	}
	var errs []error
	en := langs[Fallback]
	for _, lang := range Languages() {
		m := langs[lang]
		for _, k := range m.Keys() {
			want, ok := englishArgs(en, k)
			if !ok {
				continue // TestNoKeysBeyondEnglish reports it
			}
			if got := args(m.m[k]); !slices.Equal(want, got) {
				errs = append(errs, fmt.Errorf("i18n: %s %q takes %v, English takes %v", lang, k, got, want))
			}
		}
	}
	return errors.Join(errs...)
}

// englishArgs are the arguments English gives key (a language's only
// plural form, "x.other", is checked against English's "x.other").
func englishArgs(en *Messages, k string) ([]string, bool) {
	v, ok := en.m[k]
	if !ok {
		return nil, false
	}
	return args(v), true
}

var verbRE = regexp.MustCompile(`%(?:\[(\d+)\])?[-+# 0-9.]*([a-zA-Z%])`)

// args lists a message's arguments as "index:verb", sorted.
func args(msg string) []string {
	var out []string
	next := 1
	for _, m := range verbRE.FindAllStringSubmatch(msg, -1) {
		if m[2] == "%" {
			continue
		}
		i := next
		if m[1] != "" {
			fmt.Sscan(m[1], &i)
		}
		out = append(out, fmt.Sprintf("%d:%s", i, m[2]))
		next = i + 1
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// For returns the messages of a BCP 47 locale ("ja-JP" -> Japanese); an
// unknown language gets English.
func For(locale string) *Messages {
	loadOnce.Do(load)
	lang, _, _ := strings.Cut(locale, "-")
	if m, ok := langs[strings.ToLower(lang)]; ok {
		return m
	}
	if m, ok := langs[Fallback]; ok {
		return m
	}
	return &Messages{lang: Fallback, m: map[string]string{}}
}

// Language is the language of a BCP 47 locale ("ja-JP" -> "ja"; "" is
// English) and whether it has messages (else For gives English).
func Language(locale string) (string, bool) {
	loadOnce.Do(load)
	if locale == "" {
		return Fallback, true
	}
	lang, _, _ := strings.Cut(locale, "-")
	lang = strings.ToLower(lang)
	_, ok := langs[lang]
	return lang, ok
}

// Lang is the catalog's language ("ja").
func (m *Messages) Lang() string { return m.lang }

func (m *Messages) lookup(key string) (string, bool) {
	if v, ok := m.m[key]; ok {
		return v, true
	}
	if m.fallback != nil {
		if v, ok := m.fallback.m[key]; ok {
			return v, true
		}
	}
	return key, false
}

// T is the message for key, with args (if any) formatted into its verbs.
func (m *Messages) T(key string, args ...any) string {
	v, _ := m.lookup(key)
	if len(args) == 0 {
		return v
	}
	return fmt.Sprintf(v, args...)
}

// N is the plural form of key for n ("<key>.one" or "<key>.other"), with
// n formatted for the language as its first argument and args after it.
func (m *Messages) N(key string, n int, args ...any) string {
	form := key + "." + m.pluralForm(n)
	if _, ok := m.m[form]; !ok {
		form = key + ".other"
	}
	return m.T(form, append([]any{m.Int(int64(n))}, args...)...)
}

// pluralForm is the CLDR cardinal category of n for the languages
// WandStore ships: French counts 0 and 1 as one; Japanese has no plural.
func (m *Messages) pluralForm(n int) string {
	switch m.lang {
	case "ja", "zh", "ko":
		return "other"
	case "fr":
		if n == 0 || n == 1 {
			return "one"
		}
	default:
		if n == 1 {
			return "one"
		}
	}
	return "other"
}

// Int writes n with the language's digit grouping ("1,234", "1.234",
// "1 234"), as catalog writes amounts.
func (m *Messages) Int(n int64) string {
	if m.lang == "es" && n > -10000 && n < 10000 {
		return strconv.FormatInt(n, 10) // Spanish groups only from five digits ("1234", "12.345")
	}
	return catalog.FormatInt(n, m.lang)
}

// Date writes t's calendar date the language's way ("December 6, 2026",
// "2026年12月6日", "6. Dezember 2026").
func (m *Messages) Date(t time.Time) string {
	month := m.T(fmt.Sprintf("date.month.%d", int(t.Month())))
	return m.T("date.long", t.Year(), month, t.Day())
}

// Languages lists the languages with messages, English first.
func Languages() []string {
	loadOnce.Do(load)
	out := make([]string, 0, len(langs))
	for l := range langs {
		out = append(out, l)
	}
	slices.Sort(out)
	if i := slices.Index(out, Fallback); i > 0 {
		out = append([]string{Fallback}, slices.Delete(out, i, i+1)...)
	}
	return out
}

// Missing lists, per language, the English keys it has no message for
// (shown in English), sorted.
func Missing() map[string][]string {
	loadOnce.Do(load)
	out := map[string][]string{}
	en := langs[Fallback]
	if en == nil {
		return out
	}
	for l, ms := range langs {
		if l == Fallback {
			continue
		}
		for k := range en.m {
			if _, ok := ms.m[k]; ok {
				continue
			}
			// A language without the one form needs only the other.
			if base, ok := strings.CutSuffix(k, ".one"); ok && ms.pluralForm(1) == "other" {
				if _, ok := ms.m[base+".other"]; ok {
					continue
				}
			}
			out[l] = append(out[l], k)
		}
		slices.Sort(out[l])
	}
	return out
}

// Keys lists every key a language defines, sorted.
func (m *Messages) Keys() []string {
	out := make([]string, 0, len(m.m))
	for k := range m.m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Has reports whether the language itself (not its fallback) defines key.
func (m *Messages) Has(key string) bool {
	_, ok := m.m[key]
	return ok
}

var latinRE = regexp.MustCompile(`\p{Latin}{2,}`)

// Words lists the Latin-script words (two letters or more) of the
// language's own messages, their argument verbs left out, sorted and each
// once in each spelling. Tests use English's to tell that a page of
// another language shows no English interface text; IsName tells the
// names among them, which every language writes the same.
func (m *Messages) Words() []string {
	seen := map[string]bool{}
	for _, v := range m.m {
		for _, w := range latinRE.FindAllString(verbRE.ReplaceAllString(v, " "), -1) {
			seen[w] = true
		}
	}
	out := make([]string, 0, len(seen))
	for w := range seen {
		out = append(out, w)
	}
	slices.Sort(out)
	return out
}

// IsName reports whether a word is a name rather than an English word: it
// has a capital after its first letter ("WandStore", "JavaScript", "SKU").
func IsName(word string) bool {
	for i, r := range word {
		if i > 0 && unicode.IsUpper(r) {
			return true
		}
	}
	return false
}
