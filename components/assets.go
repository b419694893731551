package components

import (
	"embed"
	"html"
	"strings"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/microcosm-cc/bluemonday"
)

// Static holds the files every store's pages use: the base stylesheet, the
// vendored htmx, the islands loader, the search script and the product
// page's variant picker.
//
//go:embed static/app.css static/islands.js static/search.js static/product.js static/htmx-2.0.11.min.js
var Static embed.FS

// Names of the files in Static.
const (
	BaseCSSFile   = "static/app.css"
	IslandsJSFile = "static/islands.js"
	SearchJSFile  = "static/search.js"
	ProductJSFile = "static/product.js"
	HTMXFile      = "static/htmx-2.0.11.min.js"
	// HTMXSHA256 is the vendored htmx's hash (see static/VENDORED.md).
	HTMXSHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"
)

// HTMXConfig keeps htmx to same-origin requests and off eval and inline
// scripts (DESIGN.md, security stance). Indicator styles are off because
// htmx would inject them as an inline <style>, and "style" is left out of
// the attributes it settles (copies across a swap), because inline styles
// are what the CSP forbids.
const HTMXConfig = `{"selfRequestsOnly":true,"allowEval":false,"allowScriptTags":false,"includeIndicatorStyles":false,"historyCacheSize":0,"attributesToSettle":["class","width","height"]}`

// descriptionPolicy is the allow-list for merchant HTML (product and
// collection descriptions): formatting, lists, tables, links and images,
// nothing that runs. bluemonday policies are safe for concurrent use.
var descriptionPolicy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	return p
}()

var textPolicy = bluemonday.StrictPolicy()

// SanitizedHTML renders untrusted HTML through the allow-list. It is the only
// way catalog HTML reaches a page.
func SanitizedHTML(untrusted string) templ.Component {
	return templ.Raw(descriptionPolicy.Sanitize(untrusted))
}

// PlainText strips markup from HTML and folds white space, for meta
// descriptions and JSON-LD. The result is text: render it escaped.
func PlainText(untrusted string, max int) string {
	if untrusted == "" {
		return ""
	}
	s := html.UnescapeString(textPolicy.Sanitize(untrusted))
	return truncate(strings.Join(strings.Fields(s), " "), max)
}

// truncate shortens s to at most max runes (0: no limit), ending on a whole
// word with an ellipsis.
func truncate(s string, max int) string {
	if max > 0 && utf8.RuneCountInString(s) > max {
		cut := string([]rune(s)[:max-1])
		if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
			cut = cut[:i] // end on a whole word
		}
		s = strings.TrimRight(cut, " ,.;:") + "…"
	}
	return s
}
