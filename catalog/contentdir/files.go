package contentdir

import (
	"bytes"
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
		ProductsPerPage     int      `yaml:"products_per_page"`
		FeaturedCollections []string `yaml:"featured_collections"`
		FeaturedProducts    []string `yaml:"featured_products"`
		Announcement        string   `yaml:"announcement"`
		ContactEmail        string   `yaml:"contact_email"`
	} `yaml:"settings"`
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

// yamlErrors turns yaml.v3's messages into lines a merchant can act on.
func yamlErrors(err error) []yamlProblem {
	var lines []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		lines = te.Errors
	} else {
		lines = []string{err.Error()}
	}
	out := make([]yamlProblem, 0, len(lines))
	for _, s := range lines {
		p := yamlProblem{msg: strings.TrimPrefix(s, "yaml: ")}
		if m := yamlLineRE.FindStringSubmatch(strings.TrimSpace(s)); m != nil {
			p.line, _ = strconv.Atoi(m[1])
			p.msg = m[2]
		}
		if m := unknownFieldR.FindStringSubmatch(p.msg); m != nil {
			p.field, p.msg = m[1], "unknown field (check its spelling in content/README.md)"
		} else if m := unmarshalRE.FindStringSubmatch(p.msg); m != nil {
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
	data, err := fs.ReadFile(l.fsys, img.Src)
	if err != nil {
		return img // reported by Validate
	}
	w, h, err := imageSize(img.Src, data)
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

var (
	svgTagRE   = regexp.MustCompile(`(?s)<svg\b[^>]*>`)
	svgAttrRE  = regexp.MustCompile(`\s(width|height|viewBox)\s*=\s*["']([^"']*)["']`)
	svgUnitsRE = regexp.MustCompile(`^([0-9.]+)(px)?$`)
)

func imageSize(name string, data []byte) (w, h int, err error) {
	if strings.EqualFold(path.Ext(name), ".svg") {
		return svgSize(data)
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
