package contentdir

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // register decoders for image dimensions
	_ "image/jpeg"
	_ "image/png"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/wandstore/wandstore/catalog"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
	"gopkg.in/yaml.v3"
)

// The file shapes. Prices are strings so "129.90" never passes through a
// float; yaml.v3 accepts an unquoted number into a string field too.

type storeFile struct {
	Name        string `yaml:"name"`
	Currency    string `yaml:"currency"`
	Locale      string `yaml:"locale"`
	Description string `yaml:"description"`
	BaseURL     string `yaml:"base_url"`
	Theme       struct {
		Colors struct {
			Primary    string `yaml:"primary"`
			Accent     string `yaml:"accent"`
			Background string `yaml:"background"`
			Text       string `yaml:"text"`
			Muted      string `yaml:"muted"`
		} `yaml:"colors"`
		Fonts struct {
			Heading string `yaml:"heading"`
			Body    string `yaml:"body"`
		} `yaml:"fonts"`
		Logo imageFile `yaml:"logo"`
	} `yaml:"theme"`
	Settings struct {
		ProductsPerPage     int       `yaml:"products_per_page"`
		FeaturedCollections []string  `yaml:"featured_collections"`
		FeaturedProducts    []string  `yaml:"featured_products"`
		Announcement        string    `yaml:"announcement"`
		ContactEmail        string    `yaml:"contact_email"`
		ShareImage          imageFile `yaml:"share_image"`
	} `yaml:"settings"`
	Source   *sourceFile   `yaml:"source"`
	Checkout *checkoutFile `yaml:"checkout"`
	// Experiments is the experiments block (experiments.go).
	Experiments []experimentFile `yaml:"experiments"`
}

// sourceFile is store.yaml's source block: where the store's catalog
// comes from (see SourceSpec).
type sourceFile struct {
	Kind       string `yaml:"kind"`
	Shop       string `yaml:"shop"`
	APIVersion string `yaml:"api_version"`
	TokenEnv   string `yaml:"token_env"`
	Endpoint   string `yaml:"endpoint"`
	File       string `yaml:"file"`
	Lenient    *bool  `yaml:"lenient"`
}

type imageFile struct {
	Src    string `yaml:"src"`
	Alt    string `yaml:"alt"`
	Width  int    `yaml:"width"`
	Height int    `yaml:"height"`
}

type seoFile struct {
	Title       string `yaml:"title"`
	Description string `yaml:"description"`
}

type productFile struct {
	Title    string        `yaml:"title"`
	Vendor   string        `yaml:"vendor"`
	Type     string        `yaml:"type"`
	Tags     []string      `yaml:"tags"`
	Created  string        `yaml:"created"`
	Updated  string        `yaml:"updated"`
	Status   string        `yaml:"status"`
	SEO      seoFile       `yaml:"seo"`
	Images   []imageFile   `yaml:"images"`
	Options  []optionFile  `yaml:"options"`
	Variants []variantFile `yaml:"variants"`
	// One-variant shorthand.
	SKU       string `yaml:"sku"`
	Price     string `yaml:"price"`
	CompareAt string `yaml:"compare_at"`
	Inventory *int   `yaml:"inventory"`
	Available *bool  `yaml:"available"`
}

type optionFile struct {
	Name   string   `yaml:"name"`
	Values []string `yaml:"values"`
}

type variantFile struct {
	SKU       string   `yaml:"sku"`
	Options   []string `yaml:"options"`
	Price     string   `yaml:"price"`
	CompareAt string   `yaml:"compare_at"`
	Inventory *int     `yaml:"inventory"`
	Available *bool    `yaml:"available"`
	Image     *int     `yaml:"image"`
}

type collectionFile struct {
	Title       string     `yaml:"title"`
	Description string     `yaml:"description"`
	Image       *imageFile `yaml:"image"`
	Sort        string     `yaml:"sort"`
	Products    []string   `yaml:"products"`
	SEO         seoFile    `yaml:"seo"`
	Rules       *struct {
		Match      string `yaml:"match"`
		Conditions []struct {
			Field    string `yaml:"field"`
			Relation string `yaml:"relation"`
			Value    string `yaml:"value"`
		} `yaml:"conditions"`
	} `yaml:"rules"`
}

func decodeStrict(data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(v)
	if errors.Is(err, io.EOF) {
		return nil // an empty file decodes to zero values; validation reports what is missing
	}
	return err
}

// field is where a field of a YAML document is: its path as error messages
// name it ("variants[1].price"), the line of its key (of the item, in a
// list) and its value.
type field struct {
	path, key string // key is "" for a list item
	line      int
	value     *yaml.Node
}

// fieldsOf lists every field of a parsed document, in document order.
func fieldsOf(doc *yaml.Node) []field {
	var out []field
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				out = append(out, field{path: p, key: k.Value, line: k.Line, value: v})
				walk(v, p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				out = append(out, field{path: p, line: c.Line, value: c})
				walk(c, p)
			}
		}
	}
	walk(doc, "")
	return out
}

// lineOf is the line of the field at path, or of its closest ancestor in the
// document (a missing "variants[1].price" is reported on "variants[1]");
// 0 when none is there.
func lineOf(fields []field, path string) int {
	for path != "" {
		for _, f := range fields {
			if f.path == path {
				return f.line
			}
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

type yamlProblem struct {
	line  int
	field string
	msg   string
}

var (
	yamlLineRE    = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	unknownFieldR = regexp.MustCompile(`^field (\S+) not found in type .*$`)
	unmarshalRE   = regexp.MustCompile(`^cannot unmarshal !!(\w+) (?:` + "`" + `(.*)` + "`" + ` )?into (.*)$`)
)

// yaml.v3's problems by the stage that found them, which decides how it
// counts lines (see syntaxLine).
var (
	parserProblems = map[string]bool{
		"did not find expected ',' or ']'": true, "did not find expected ',' or '}'": true,
		"did not find expected '-' indicator": true, "did not find expected <document start>": true,
		"did not find expected <stream-start>": true, "did not find expected key": true,
		"did not find expected node content": true, "found duplicate %TAG directive": true,
		"found duplicate %YAML directive": true, "found incompatible YAML document": true,
		"found undefined tag handle": true,
	}
	readerProblems = map[string]bool{
		"control characters are not allowed": true, "expected low surrogate area": true,
		"incomplete UTF-16 character": true, "incomplete UTF-16 surrogate pair": true,
		"incomplete UTF-8 octet sequence": true, "invalid Unicode character": true,
		"invalid leading UTF-8 octet": true, "invalid length of a UTF-8 sequence": true,
		"invalid trailing UTF-8 octet": true, "unexpected low surrogate area": true,
	}
)

// syntaxLine turns the line yaml.v3 gives a syntax error into a line of the
// document counted from 1. yaml.v3 counts a parser error's line from 0 and a
// scanner error's from 1, leaves out the line when it would be 0, and gives
// none for a reader error (bad UTF-8, control characters), whose line is
// found here instead.
func syntaxLine(reported int, msg string, data []byte) int {
	switch {
	case readerProblems[msg]:
		return badCharLine(data)
	case reported == 0:
		return 1
	case parserProblems[msg]:
		return reported + 1
	}
	return reported
}

// badCharLine is the line of the first character YAML does not allow, or 0.
func badCharLine(data []byte) int {
	line := 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return line // not UTF-8
		}
		switch {
		case r == '\n':
			line++
		case r == '\t', r == '\r', r >= 0x20 && r <= 0x7e, r == 0x85, r >= 0xa0 && r <= 0xd7ff,
			r >= 0xe000 && r <= 0xfffd, r >= 0x10000:
		default:
			return line
		}
		i += size
	}
	return 0
}

// yamlErrors turns yaml.v3's messages into lines a merchant can act on,
// naming the field at fault when the document's fields are known.
func yamlErrors(err error, data []byte, fields []field) []yamlProblem {
	var lines []string
	var te *yaml.TypeError
	syntax := !errors.As(err, &te)
	if syntax {
		lines = []string{err.Error()}
	} else {
		lines = te.Errors
	}
	out := make([]yamlProblem, 0, len(lines))
	used := map[string]bool{}
	for _, s := range lines {
		p := yamlProblem{msg: strings.TrimPrefix(s, "yaml: ")}
		if m := yamlLineRE.FindStringSubmatch(strings.TrimSpace(s)); m != nil {
			p.line, _ = strconv.Atoi(m[1])
			p.msg = m[2]
		}
		if syntax {
			p.line = syntaxLine(p.line, p.msg, data)
		}
		if m := unknownFieldR.FindStringSubmatch(p.msg); m != nil {
			p.field, p.msg = m[1], "unknown field (check its spelling in content/README.md)"
			for _, f := range fields {
				if f.line == p.line && f.key == m[1] {
					p.field = f.path
					break
				}
			}
		} else if m := unmarshalRE.FindStringSubmatch(p.msg); m != nil {
			p.field = fieldAt(fields, p.line, m[1], m[2], used)
			want := m[3]
			switch {
			case strings.HasPrefix(want, "[]"):
				want = "a list"
			case strings.Contains(want, "struct") || strings.Contains(want, "contentdir."):
				want = "a mapping (key: value)"
			case want == "int" || want == "*int":
				want = "a whole number"
			case want == "bool" || want == "*bool":
				want = "true or false"
			case want == "string":
				want = "text"
			}
			if m[2] != "" {
				p.msg = fmt.Sprintf("%q should be %s", m[2], want)
			} else {
				p.msg = fmt.Sprintf("a %s should be %s", m[1], want)
			}
		}
		if p.msg != "" {
			p.msg = "invalid YAML: " + p.msg
		}
		out = append(out, p)
	}
	return out
}

// fieldAt finds the field whose value yaml.v3 could not decode from its
// line, its tag and its value as the message quotes it (cut to 7
// characters and "..." when long). Several fields can share a line in flow
// style ("- { src: { a: b } }"): the innermost is the one at fault, and one
// already blamed (in used) gives way to the next.
func fieldAt(fields []field, line int, tag, quoted string, used map[string]bool) string {
	var found []string
	for _, f := range fields {
		v := f.value
		if v.Line != line {
			continue
		}
		switch {
		case tag == "map" && v.Kind == yaml.MappingNode, tag == "seq" && v.Kind == yaml.SequenceNode,
			v.Kind == yaml.ScalarNode && quoted != "" && (v.Value == quoted ||
				strings.HasSuffix(quoted, "...") && strings.HasPrefix(v.Value, strings.TrimSuffix(quoted, "..."))):
			found = append(found, f.path)
		}
	}
	inner := found[:0]
	for i, p := range found {
		if i+1 < len(found) && (strings.HasPrefix(found[i+1], p+".") || strings.HasPrefix(found[i+1], p+"[")) {
			continue // an ancestor of the next match
		}
		inner = append(inner, p)
	}
	for _, p := range inner {
		if !used[p] {
			used[p] = true
			return p
		}
	}
	if len(inner) > 0 {
		return inner[0]
	}
	return ""
}

var md = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	// Raw HTML is kept here and made safe by the allow-list sanitizer that
	// every description passes through when it is rendered.
	goldmark.WithRendererOptions(html.WithUnsafe()),
)

func markdownToHTML(src []byte) (string, error) {
	if len(bytes.TrimSpace(src)) == 0 {
		return "", nil
	}
	var b bytes.Buffer
	if err := md.Convert(src, &b); err != nil {
		return "", fmt.Errorf("markdown: %w", err)
	}
	return b.String(), nil
}

// image resolves an image's dimensions from its file when the content does
// not give them, so pages can reserve its space (no layout shift).
func (l *loader) image(file, field string, f imageFile) catalog.Image {
	img := catalog.Image{Src: f.Src, Alt: f.Alt, Width: f.Width, Height: f.Height}
	if img.Src == "" || (img.Width > 0 && img.Height > 0) || strings.Contains(img.Src, "://") || !fs.ValidPath(img.Src) {
		return img // missing, remote or bad paths are reported by Validate
	}
	sz := l.sizes.get(l.fsys, img.Src)
	l.imagesRead = append(l.imagesRead, img.Src)
	if sz.missing {
		return img // reported by Validate
	}
	w, h, err := sz.w, sz.h, sz.err
	if err != nil {
		l.fail(file, 0, field, fmt.Sprintf("%s: %v; give width and height", img.Src, err))
		return img
	}
	if img.Width == 0 && img.Height == 0 {
		img.Width, img.Height = w, h
	} else if img.Width == 0 {
		img.Width = img.Height * w / h
	} else {
		img.Height = img.Width * h / w
	}
	return img
}

// sizeCache remembers image dimensions: many products share an image, and
// reading it once is enough. Safe for concurrent use.
type sizeCache struct {
	mu sync.Mutex
	m  map[string]imageDims
}

type imageDims struct {
	w, h    int
	err     error
	missing bool
}

func (c *sizeCache) get(fsys fs.FS, src string) imageDims {
	c.mu.Lock()
	d, ok := c.m[src]
	c.mu.Unlock()
	if ok {
		return d
	}
	data, err := fs.ReadFile(fsys, src)
	if err != nil {
		d = imageDims{missing: true}
	} else {
		d.w, d.h, d.err = imageSize(src, data)
	}
	c.mu.Lock()
	c.m[src] = d
	c.mu.Unlock()
	return d
}

var (
	svgTagRE   = regexp.MustCompile(`(?s)<svg\b[^>]*>`)
	svgAttrRE  = regexp.MustCompile(`\s(width|height|viewBox)\s*=\s*["']([^"']*)["']`)
	svgUnitsRE = regexp.MustCompile(`^([0-9.]+)(px)?$`)
)

func imageSize(name string, data []byte) (w, h int, err error) {
	if strings.EqualFold(path.Ext(name), ".svg") {
		return svgSize(data)
	}
	if len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP" {
		return webpSize(data)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, 0, errors.New("cannot read the image size")
	}
	if cfg.Width == 0 || cfg.Height == 0 {
		return 0, 0, errors.New("image has no size")
	}
	return cfg.Width, cfg.Height, nil
}

// webpSize reads a WebP's size from its first chunk, as the standard library
// has no WebP decoder: VP8X holds the canvas size, VP8 (lossy) and VP8L
// (lossless) the image's.
func webpSize(data []byte) (int, int, error) {
	bad := errors.New("cannot read the WebP image size")
	if len(data) < 30 {
		return 0, 0, bad
	}
	c := data[20:] // the first chunk's payload
	le24 := func(b []byte) int { return int(b[0]) | int(b[1])<<8 | int(b[2])<<16 }
	switch string(data[12:16]) {
	case "VP8X":
		return le24(c[4:7]) + 1, le24(c[7:10]) + 1, nil
	case "VP8 ":
		if c[3] != 0x9d || c[4] != 0x01 || c[5] != 0x2a {
			return 0, 0, bad
		}
		return int(binary.LittleEndian.Uint16(c[6:8]) & 0x3fff), int(binary.LittleEndian.Uint16(c[8:10]) & 0x3fff), nil
	case "VP8L":
		if c[0] != 0x2f {
			return 0, 0, bad
		}
		b := binary.LittleEndian.Uint32(c[1:5])
		return int(b&0x3fff) + 1, int(b>>14&0x3fff) + 1, nil
	}
	return 0, 0, bad
}

func svgSize(data []byte) (int, int, error) {
	tag := svgTagRE.Find(data)
	if tag == nil {
		return 0, 0, errors.New("no <svg> element")
	}
	attrs := map[string]string{}
	for _, m := range svgAttrRE.FindAllSubmatch(tag, -1) {
		attrs[string(m[1])] = string(m[2])
	}
	num := func(s string) float64 {
		m := svgUnitsRE.FindStringSubmatch(strings.TrimSpace(s))
		if m == nil {
			return 0
		}
		f, _ := strconv.ParseFloat(m[1], 64)
		return f
	}
	w, h := num(attrs["width"]), num(attrs["height"])
	if (w == 0 || h == 0) && attrs["viewBox"] != "" {
		parts := strings.Fields(strings.ReplaceAll(attrs["viewBox"], ",", " "))
		if len(parts) == 4 {
			vw, _ := strconv.ParseFloat(parts[2], 64)
			vh, _ := strconv.ParseFloat(parts[3], 64)
			if w == 0 && h == 0 {
				w, h = vw, vh
			} else if w == 0 && vh > 0 {
				w = h * vw / vh
			} else if vw > 0 {
				h = w * vh / vw
			}
		}
	}
	if w < 1 || h < 1 {
		return 0, 0, errors.New("SVG has no width/height or viewBox")
	}
	return int(w + 0.5), int(h + 0.5), nil
}
