package httpenc

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

// What each Accept-Encoding asks for, best first.
func TestAccepted(t *testing.T) {
	for accept, want := range map[string]string{
		"":                   "",
		"gzip, deflate, br":  "br gzip",
		"br;q=0, gzip":       "gzip",
		"br;q=0.0, gzip;q=0": "",
		"identity":           "",
		"GZIP":               "gzip",
		"br;q=0.5":           "br",
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Encoding", accept)
		if got := strings.Join(Accepted(r), " "); got != want {
			t.Errorf("%q: %q, want %q", accept, got, want)
		}
	}
}

// Both encodings decode to the bytes given, at every level, again and
// again (the writers are reused).
func TestEncodeRoundTrip(t *testing.T) {
	data := bytes.Repeat([]byte("<li class=\"card\">Elder Wand $129.00</li>\n"), 100)
	for _, level := range []Level{Files, Answers} {
		for _, enc := range []string{"br", "gzip"} {
			for range 3 {
				z := Encode(enc, level, data)
				var r io.Reader = bytes.NewReader(z)
				if enc == "br" {
					r = brotli.NewReader(r)
				} else {
					gr, err := gzip.NewReader(r)
					if err != nil {
						t.Fatal(err)
					}
					r = gr
				}
				got, err := io.ReadAll(r)
				if err != nil || !bytes.Equal(got, data) || len(z) >= len(data) {
					t.Fatalf("%s %+v: %d bytes decode to %d (%v)", enc, level, len(z), len(got), err)
				}
			}
		}
	}
}

// BenchmarkEncodeAnswer is an islands answer (a product page's, 4.5 KB)
// compressed as each request does.
func BenchmarkEncodeAnswer(b *testing.B) {
	data := bytes.Repeat([]byte("<li class=\"card\"><a href=\"/s/magic-wands/products/elder-wand/\">Elder Wand</a> $129.00</li>\n"), 50)
	for _, enc := range []string{"br", "gzip"} {
		b.Run(enc, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Encode(enc, Answers, data)
			}
		})
	}
}
