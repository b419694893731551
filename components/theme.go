package components

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/wandstore/wandstore/catalog"
)

// DefaultTheme fills what a store's theme leaves empty.
var DefaultTheme = catalog.Theme{
	Colors: catalog.Colors{Primary: "#1f3a5f", Accent: "#b8860b", Background: "#ffffff", Text: "#1a1a1a", Muted: "#595959"},
	Fonts:  catalog.Fonts{Heading: `Georgia, "Times New Roman", serif`, Body: `system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`},
}

// ThemeCSS writes a store's theme as CSS custom properties. Colours that sit
// behind text get a computed foreground ("on-*") with the better contrast, so
// a merchant's brand colour never makes a button unreadable. Values were
// validated by catalog (no way to close the declaration).
func ThemeCSS(t catalog.Theme) string {
	c := t.Colors
	d := DefaultTheme.Colors
	pick := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	primary, accent := pick(c.Primary, d.Primary), pick(c.Accent, d.Accent)
	bg, text, muted := pick(c.Background, d.Background), pick(c.Text, d.Text), pick(c.Muted, d.Muted)
	heading, body := pick(t.Fonts.Heading, DefaultTheme.Fonts.Heading), pick(t.Fonts.Body, DefaultTheme.Fonts.Body)

	var b strings.Builder
	b.WriteString(":root{")
	for _, kv := range [][2]string{
		{"primary", primary}, {"on-primary", onColor(primary)},
		{"accent", accent}, {"accent-bg", accent}, {"on-accent-bg", onColor(accent)},
		{"bg", bg}, {"text", text}, {"muted", muted},
		{"surface", mix(bg, text, 0.06)}, {"border", mix(bg, text, 0.25)},
		{"font-heading", heading}, {"font-body", body},
	} {
		fmt.Fprintf(&b, "--%s:%s;", kv[0], kv[1])
	}
	b.WriteString("}\n")
	return b.String()
}

// rgb parses #rgb and #rrggbb; ok is false for anything else.
func rgb(c string) (r, g, b float64, ok bool) {
	if !strings.HasPrefix(c, "#") {
		return 0, 0, 0, false
	}
	h := c[1:]
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	if len(h) != 6 {
		return 0, 0, 0, false
	}
	n, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return 0, 0, 0, false
	}
	return float64(n >> 16 & 0xff), float64(n >> 8 & 0xff), float64(n & 0xff), true
}

func luminance(r, g, b float64) float64 {
	lin := func(v float64) float64 {
		v /= 255
		if v <= 0.03928 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// Contrast is the WCAG contrast ratio of two hex colours (1 to 21), or 0 if
// either is not hex.
func Contrast(a, b string) float64 {
	r1, g1, b1, ok1 := rgb(a)
	r2, g2, b2, ok2 := rgb(b)
	if !ok1 || !ok2 {
		return 0
	}
	l1, l2 := luminance(r1, g1, b1), luminance(r2, g2, b2)
	if l1 < l2 {
		l1, l2 = l2, l1
	}
	return (l1 + 0.05) / (l2 + 0.05)
}

// onColor is white or near-black, whichever reads better on c.
func onColor(c string) string {
	if _, _, _, ok := rgb(c); !ok {
		return "#ffffff"
	}
	if Contrast(c, "#ffffff") >= Contrast(c, "#111111") {
		return "#ffffff"
	}
	return "#111111"
}

// mix blends a toward b by t (0..1); non-hex colours fall back to a.
func mix(a, b string, t float64) string {
	r1, g1, b1, ok1 := rgb(a)
	r2, g2, b2, ok2 := rgb(b)
	if !ok1 || !ok2 {
		return a
	}
	f := func(x, y float64) int { return int(math.Round(x + (y-x)*t)) }
	return fmt.Sprintf("#%02x%02x%02x", f(r1, r2), f(g1, g2), f(b1, b2))
}
