package svgsafe

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
)

// Every way an SVG document can run script or load something, from the
// red-team list and the usual SVG XSS vectors: each is removed, and what
// draws stays.
func TestCleanRemovesWhatCanRunOrLoad(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"script", `<svg xmlns="http://www.w3.org/2000/svg"><script>fetch('/s/a/islands/greeting')</script><rect width="1" height="1"/></svg>`},
		{"script CDATA", `<svg xmlns="http://www.w3.org/2000/svg"><script><![CDATA[alert(1)]]></script><rect width="1" height="1"/></svg>`},
		{"handler", `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1" onclick="alert(1)"/></svg>`},
		{"foreignObject", `<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><body xmlns="http://www.w3.org/1999/xhtml"><img src="x" onerror="alert(1)"/></body></foreignObject><rect width="1" height="1"/></svg>`},
		{"html script", `<svg xmlns="http://www.w3.org/2000/svg"><h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script><rect width="1" height="1"/></svg>`},
		{"javascript link", `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><a xlink:href="javascript:alert(1)"><rect width="1" height="1"/></a></svg>`},
		{"set href", `<svg xmlns="http://www.w3.org/2000/svg"><a href="#"><set attributeName="href" to="javascript:alert(1)"/><rect width="1" height="1"/></a></svg>`},
		{"animate", `<svg xmlns="http://www.w3.org/2000/svg"><animate onbegin="alert(1)" attributeName="x" dur="1s"/><rect width="1" height="1"/></svg>`},
		{"external use", `<svg xmlns="http://www.w3.org/2000/svg"><use href="https://evil.example/x.svg#a"/><rect width="1" height="1"/></svg>`},
		{"external image", `<svg xmlns="http://www.w3.org/2000/svg"><image href="/s/a/islands/cart"/><rect width="1" height="1"/></svg>`},
		{"svg in image", `<svg xmlns="http://www.w3.org/2000/svg"><image href="data:image/svg+xml;base64,PHN2Zz4="/><rect width="1" height="1"/></svg>`},
		{"css import", `<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://evil.example/x.css);</style><rect width="1" height="1"/></svg>`},
		{"css split import", `<svg xmlns="http://www.w3.org/2000/svg"><style>@im<![CDATA[port url(https://evil.example/x.css);]]></style><rect width="1" height="1"/></svg>`},
		{"css url", `<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1" style="fill:url(https://evil.example/)"/></svg>`},
		{"css escape", `<svg xmlns="http://www.w3.org/2000/svg"><style>rect{fill:u\72l(https://evil.example/)}</style><rect width="1" height="1"/></svg>`},
		{"attribute url", `<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1" filter="url(https://evil.example/f.svg#f)"/></svg>`},
		{"feImage", `<svg xmlns="http://www.w3.org/2000/svg"><filter id="f"><feImage href="https://evil.example/x.png"/></filter><rect width="1" height="1"/></svg>`},
		{"stylesheet PI", `<?xml-stylesheet href="https://evil.example/x.css"?><svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>`},
		{"iframe", `<svg xmlns="http://www.w3.org/2000/svg"><iframe src="/s/a/islands/greeting"/><rect width="1" height="1"/></svg>`},
		{"spaced javascript", `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><use xlink:href="java  script:alert(1)"/><rect width="1" height="1"/></svg>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Clean([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			s := strings.ToLower(string(out))
			for _, bad := range []string{"script", "onload", "onclick", "onerror", "onbegin", "foreignobject", "javascript", "evil.example", "islands", "<set", "<animate", "@import", "<iframe", "feimage", "svg+xml", "<a ", "<a>"} {
				if strings.Contains(s, bad) {
					t.Errorf("%q kept in:\n%s", bad, out)
				}
			}
			if !strings.Contains(s, "<rect") {
				t.Errorf("the drawing was lost:\n%s", out)
			}
		})
	}
}

// A plain drawing comes out drawing the same: shapes, gradients, local
// references, text, classes and a style sheet that loads nothing.
func TestCleanKeepsADrawing(t *testing.T) {
	in := `<?xml version="1.0"?>
<!-- made by hand -->
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10" width="800" height="800">
<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/><stop offset="1" stop-color="#000"/></linearGradient>
<path id="p" d="M0 0L10 10"/></defs>
<style>.a { fill: url(#g); } .b > rect { stroke: #123 }</style>
<rect class="a" width="10" height="10" fill="url(#g)"/>
<use xlink:href="#p" stroke="red"/>
<text x="1" y="9" font-family="serif">Elder &amp; Oak</text>
<image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/>
</svg>`
	out, err := Clean([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{`viewBox="0 0 10 10"`, `<linearGradient id="g">`, `stop-color="#fff"`, `fill="url(#g)"`,
		`xlink:href="#p"`, `Elder &amp; Oak`, `.a { fill: url(#g); } .b &gt; rect`, `href="data:image/png;base64,iVBORw0KGgo="`,
		`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"`} {
		if !strings.Contains(s, want) {
			t.Errorf("lost %s:\n%s", want, s)
		}
	}
	if _, err := Clean(out); err != nil {
		t.Errorf("the cleaned SVG does not parse: %v", err)
	}
}

func TestCleanRefusesWhatIsNotSVG(t *testing.T) {
	for name, in := range map[string]string{
		"html":       `<html><script>alert(1)</script></html>`,
		"entities":   `<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>`,
		"truncated":  `<svg xmlns="http://www.w3.org/2000/svg"><rect`,
		"empty":      ``,
		"two roots?": `<svg xmlns="http://www.w3.org/2000/svg"/><script>alert(1)</script>`,
	} {
		if out, err := Clean([]byte(in)); !errors.Is(err, ErrNotSVG) && !(err == nil && !strings.Contains(string(out), "script")) {
			t.Errorf("%s: %v, %q", name, err, out)
		}
	}
	deep := strings.Repeat("<g>", 300) + strings.Repeat("</g>", 300)
	if _, err := Clean([]byte(`<svg xmlns="http://www.w3.org/2000/svg">` + deep + `</svg>`)); !errors.Is(err, ErrNotSVG) {
		t.Errorf("300 nested groups: %v", err)
	}
}

// FuzzClean: whatever comes in, what comes out parses again as SVG, is
// its own cleaning, and holds only allow-listed elements and attributes,
// with no attribute naming a script or another file.
func FuzzClean(f *testing.F) {
	f.Add([]byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect onload="x"/></svg>`))
	f.Add([]byte(`<svg xmlns="http://www.w3.org/2000/svg"><style>@im<![CDATA[port url(x)]]></style></svg>`))
	f.Add([]byte(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink"><use x:href="javascript:1"/></svg>`))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Clean(in)
		if err != nil {
			return
		}
		again, err := Clean(out)
		if err != nil {
			t.Fatalf("the output does not parse: %v\n%s", err, out)
		}
		if string(again) != string(out) {
			t.Fatalf("cleaning twice changed it:\n%s\n%s", out, again)
		}
		d := xml.NewDecoder(bytes.NewReader(out))
		for {
			tok, err := d.Token()
			if err != nil {
				break
			}
			el, ok := tok.(xml.StartElement)
			if !ok {
				continue
			}
			if !elements[el.Name.Local] {
				t.Fatalf("element %s kept:\n%s", el.Name.Local, out)
			}
			for _, a := range el.Attr {
				name := a.Name.Local
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && name == "xmlns") {
					continue
				}
				v := strings.ToLower(strings.Join(strings.Fields(a.Value), ""))
				if strings.HasPrefix(name, "on") || strings.Contains(v, "javascript:") ||
					(name == "href" && !strings.HasPrefix(v, "#") && !strings.HasPrefix(v, "data:image/")) {
					t.Fatalf("attribute %s=%q kept:\n%s", name, a.Value, out)
				}
			}
		}
	})
}
