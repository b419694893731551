package generator

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/components"
)

type sitemapFile struct {
	path string
	data []byte
}

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

func lastMod(p *catalog.Product) time.Time {
	if !p.UpdatedAt.IsZero() {
		return p.UpdatedAt
	}
	return p.CreatedAt
}

// sitemapEntry is a product's <url> entry.
func sitemapEntry(s *components.Site, p *catalog.Product) []byte {
	u := sitemapURL{Loc: s.URL("products/" + p.Handle + "/")}
	if t := lastMod(p); !t.IsZero() {
		u.LastMod = t.Format(time.DateOnly)
	}
	var b bytes.Buffer
	return entry(&b, "url", u)
}

// entry is writeEntry's bytes, on its own (b is scratch space).
func entry(b *bytes.Buffer, tag string, u sitemapURL) []byte {
	b.Reset()
	writeEntry(b, tag, u)
	return bytes.Clone(b.Bytes())
}

// urlsetDigest is digest(urlset(urls)), without joining them (see
// writeSearchIndex).
func urlsetDigest(urls [][]byte) string {
	return digestOf(func(w io.Writer) { writeURLSet(w, urls) })
}

func urlset(urls [][]byte) []byte {
	var b bytes.Buffer
	n := len(xml.Header) + 128
	for _, u := range urls {
		n += len(u)
	}
	b.Grow(n)
	writeURLSet(&b, urls)
	return b.Bytes()
}

// writeURLSet writes urlset(urls) to w, and says the first write's error.
func writeURLSet(w io.Writer, urls [][]byte) error {
	ew := &errWriter{w: w}
	io.WriteString(ew, xml.Header)
	io.WriteString(ew, `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`+"\n")
	for _, u := range urls {
		ew.Write(u)
	}
	io.WriteString(ew, "</urlset>\n")
	return ew.err
}

func sitemapIndex(maps []sitemapURL) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	for _, u := range maps {
		writeEntry(&b, "sitemap", u)
	}
	b.WriteString("</sitemapindex>\n")
	return b.Bytes()
}

func writeEntry(b *bytes.Buffer, tag string, u sitemapURL) {
	fmt.Fprintf(b, "<%s><loc>", tag)
	xml.EscapeText(b, []byte(u.Loc))
	b.WriteString("</loc>")
	if u.LastMod != "" {
		fmt.Fprintf(b, "<lastmod>%s</lastmod>", u.LastMod)
	}
	fmt.Fprintf(b, "</%s>\n", tag)
}

// robotsTxt allows crawling (except the islands: personal, uncacheable
// answers) and names the sitemaps.
func robotsTxt(sitemaps []string, basePaths ...string) []byte {
	var b strings.Builder
	b.WriteString("User-agent: *\n")
	for _, p := range basePaths {
		fmt.Fprintf(&b, "Disallow: %sislands/\n", p) // personal answers; the pages around them are not
	}
	b.WriteString("\n")
	for _, sm := range sitemaps {
		fmt.Fprintf(&b, "Sitemap: %s\n", sm)
	}
	return []byte(b.String())
}
