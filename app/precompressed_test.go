package app

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/wandstore/wandstore/catalog/contentdir"
	"github.com/wandstore/wandstore/content"
	"github.com/wandstore/wandstore/generator"
)

// precompressedSite builds the Magic Wands demo store into a folder (with
// its compressed copies) and serves it with the static server.
func precompressedSite(t *testing.T) (root string, srv *httptest.Server) {
	t.Helper()
	root = t.TempDir()
	if _, err := generator.Build(context.Background(), generator.Options{
		Source: contentdir.New(content.FS), Stores: []string{"magic-wands"}, Out: root,
		SiteURL: "http://127.0.0.1/", RenderVersion: "test", Workers: 2,
	}); err != nil {
		t.Fatal(err)
	}
	h := &siteHandler{root: root, log: slog.New(slog.DiscardHandler), compressed: newCompressCache(maxCompressCache)}
	srv = httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return root, srv
}

// fetch asks for path with the given headers, the transport's own gzip
// handling off, and returns the answer and its raw body.
func fetch(t *testing.T, method, url string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// decodeBody undoes a Content-Encoding.
func decodeBody(t *testing.T, enc string, body []byte) []byte {
	t.Helper()
	if enc == "" {
		return body
	}
	out, err := io.ReadAll(decoder(t, enc, bytes.NewReader(body)))
	if err != nil {
		t.Fatalf("%s body does not decode: %v", enc, err)
	}
	return out
}

func decoder(t *testing.T, enc string, r io.Reader) io.Reader {
	t.Helper()
	switch enc {
	case "br":
		return brotli.NewReader(r)
	case "gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		return zr
	}
	t.Fatalf("unknown encoding %q", enc)
	return nil
}

// The static server answers each Accept-Encoding with the build's copy
// (the bytes of the .br or .gz file, not a compression of its own), with
// Vary, a Content-Length and an ETag per encoding; HEAD and If-None-Match
// work on every representation; a Range request gets the file as it is;
// the copies are not served under their own names.
func TestStaticServerServesTheBuildsCopies(t *testing.T) {
	root, srv := precompressedSite(t)
	for _, page := range []string{"/s/magic-wands/", "/s/magic-wands/collections/all/", "/s/magic-wands/search.json", "/s/magic-wands/sitemap.xml"} {
		name := filepath.Join(root, filepath.FromSlash(page))
		if strings.HasSuffix(page, "/") {
			name = filepath.Join(name, "index.html")
		}
		file, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(file) < generator.MinPrecompress {
			continue
		}
		etags := map[string]string{}
		for _, tc := range []struct{ accept, want, copy string }{
			{"gzip, deflate, br, zstd", "br", ".br"},
			{"br", "br", ".br"},
			{"gzip", "gzip", ".gz"},
			{"br;q=0, gzip", "gzip", ".gz"},
			{"br;q=0, gzip;q=0", "", ""},
			{"identity", "", ""},
			{"", "", ""},
		} {
			resp, body := fetch(t, "GET", srv.URL+page, "Accept-Encoding", tc.accept)
			enc := resp.Header.Get("Content-Encoding")
			if resp.StatusCode != 200 || enc != tc.want {
				t.Fatalf("%s, Accept-Encoding %q: %d, Content-Encoding %q, want %q", page, tc.accept, resp.StatusCode, enc, tc.want)
			}
			if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("%s, Accept-Encoding %q: no Vary: Accept-Encoding", page, tc.accept)
			}
			if got := decodeBody(t, enc, body); !bytes.Equal(got, file) {
				t.Errorf("%s, Accept-Encoding %q: the decoded body is not the file", page, tc.accept)
			}
			if tc.copy != "" {
				want, err := os.ReadFile(name + tc.copy)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(body, want) {
					t.Errorf("%s, %s: not the build's %s copy", page, tc.want, tc.copy)
				}
			}
			if cl := resp.Header.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
				t.Errorf("%s, %q: Content-Length %s for %d bytes", page, tc.want, cl, len(body))
			}
			if ct := resp.Header.Get("Content-Type"); ct == "" || strings.Contains(ct, "octet-stream") {
				t.Errorf("%s, %q: Content-Type %q", page, tc.want, ct)
			}
			etag := resp.Header.Get("ETag")
			if prev, ok := etags[tc.want]; ok && prev != etag {
				t.Errorf("%s, %q: two ETags for one representation: %s, %s", page, tc.want, prev, etag)
			}
			etags[tc.want] = etag

			head, hbody := fetch(t, "HEAD", srv.URL+page, "Accept-Encoding", tc.accept)
			if len(hbody) != 0 || head.Header.Get("Content-Encoding") != enc || head.Header.Get("Content-Length") != resp.Header.Get("Content-Length") || head.Header.Get("ETag") != etag {
				t.Errorf("%s, %q HEAD: encoding %q, length %s, etag %s; GET gave %q, %s, %s", page, tc.accept,
					head.Header.Get("Content-Encoding"), head.Header.Get("Content-Length"), head.Header.Get("ETag"), enc, resp.Header.Get("Content-Length"), etag)
			}
			again, abody := fetch(t, "GET", srv.URL+page, "Accept-Encoding", tc.accept, "If-None-Match", etag)
			if again.StatusCode != http.StatusNotModified || len(abody) != 0 {
				t.Errorf("%s, %q: If-None-Match of its ETag answered %d", page, tc.accept, again.StatusCode)
			}
		}
		if len(etags) != 3 || etags["br"] == etags["gzip"] || etags["br"] == etags[""] || etags["gzip"] == etags[""] {
			t.Errorf("%s: the ETags of the three representations are not distinct: %v", page, etags)
		}
		// Another representation's ETag is not a match.
		if resp, _ := fetch(t, "GET", srv.URL+page, "Accept-Encoding", "gzip", "If-None-Match", etags["br"]); resp.StatusCode != 200 {
			t.Errorf("%s: gzip asked with the br ETag answered %d", page, resp.StatusCode)
		}
		// A range is a range of the file, never of an encoded body.
		resp, body := fetch(t, "GET", srv.URL+page, "Accept-Encoding", "br, gzip", "Range", "bytes=10-99")
		if resp.StatusCode != http.StatusPartialContent || resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, file[10:100]) {
			t.Errorf("%s: a Range request answered %d, Content-Encoding %q, %d bytes", page, resp.StatusCode, resp.Header.Get("Content-Encoding"), len(body))
		}
		// The copies are not files of their own.
		for _, suf := range []string{".br", ".gz"} {
			p := page
			if strings.HasSuffix(p, "/") {
				p += "index.html"
			}
			if resp, _ := fetch(t, "GET", srv.URL+p+suf, "Accept-Encoding", "br"); resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Encoding") != "" {
				t.Errorf("%s%s asked for directly: %d, Content-Encoding %q", p, suf, resp.StatusCode, resp.Header.Get("Content-Encoding"))
			}
		}
	}
}

// A copy that does not decode to the file's bytes as they are now is never
// served: one tampered with (other bytes, garbage, a valid copy with bytes
// after its end), or one left from the file's previous bytes. The file is
// then compressed as it is served.
func TestStaticServerNeverServesAStaleOrTamperedCopy(t *testing.T) {
	root, srv := precompressedSite(t)
	name := filepath.Join(root, "s/magic-wands/index.html")
	file, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, want []byte) {
		t.Helper()
		for _, tc := range []struct{ accept, enc, suf string }{{"br", "br", ".br"}, {"gzip", "gzip", ".gz"}} {
			resp, body := fetch(t, "GET", srv.URL+"/s/magic-wands/", "Accept-Encoding", tc.accept)
			if got := decodeBody(t, resp.Header.Get("Content-Encoding"), body); !bytes.Equal(got, want) {
				t.Errorf("%s, %s: served other bytes than the file's", what, tc.enc)
			}
			onDisk, _ := os.ReadFile(name + tc.suf)
			if bytes.Equal(body, onDisk) {
				t.Errorf("%s: the %s copy was served", what, tc.suf)
			}
		}
	}
	// Served as built first, so a verdict on the sound copies is cached.
	if resp, body := fetch(t, "GET", srv.URL+"/s/magic-wands/", "Accept-Encoding", "br"); resp.Header.Get("Content-Encoding") != "br" || !bytes.Equal(decodeBody(t, "br", body), file) {
		t.Fatal("the sound copy is not served")
	}
	other := bytes.Replace(file, []byte("Magic Wands"), []byte("Tragic Hands"), -1)
	if bytes.Equal(other, file) {
		t.Fatal("the page has no store name to change")
	}
	// Tampered: a valid copy of other bytes, then garbage, then a valid
	// copy with bytes after its end.
	writeCopies := func(br, gz []byte) {
		t.Helper()
		if err := os.WriteFile(name+".br", br, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name+".gz", gz, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeCopies(compress("br", other), compress("gzip", other))
	check("a copy of other bytes", file)
	writeCopies([]byte("not brotli at all"), []byte("\x1f\x8bnot gzip"))
	check("garbage copies", file)
	writeCopies(append(compress("br", file), "<script>"...), append(compress("gzip", file), "<script>"...))
	check("copies with bytes after their end", file)

	// Stale: the file rewritten (as a build without copies would), its
	// sound copies of the old bytes left beside it.
	writeCopies(compress("br", file), compress("gzip", file))
	if resp, _ := fetch(t, "GET", srv.URL+"/s/magic-wands/", "Accept-Encoding", "br"); resp.Header.Get("Content-Encoding") != "br" {
		t.Fatal("restored copies are not served")
	}
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, other, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, name); err != nil {
		t.Fatal(err)
	}
	check("copies older than the file", other)
}

// waitForCopies polls until the file's .br and .gz copies decode to its
// bytes, and then checks the server answers each encoding with them.
func waitForCopies(t *testing.T, baseURL, root, urlPath, file string, within time.Duration) {
	t.Helper()
	name := filepath.Join(root, filepath.FromSlash(file))
	sound := func() ([]byte, bool) {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, false
		}
		for _, tc := range []struct{ enc, suf string }{{"br", ".br"}, {"gzip", ".gz"}} {
			c, err := os.Open(name + tc.suf)
			if err != nil {
				return nil, false
			}
			ok := decodesTo(tc.enc, c, data)
			c.Close()
			if !ok {
				return nil, false
			}
		}
		return data, true
	}
	start := time.Now()
	data, ok := sound()
	for ; !ok; data, ok = sound() {
		if time.Since(start) > within {
			t.Fatalf("%s's copies do not hold its bytes after %s", file, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, tc := range []struct{ accept, suf string }{{"br", ".br"}, {"gzip", ".gz"}} {
		resp, body := fetch(t, "GET", baseURL+urlPath, "Accept-Encoding", tc.accept)
		onDisk, _ := os.ReadFile(name + tc.suf)
		if resp.Header.Get("Content-Encoding") != tc.accept || !bytes.Equal(body, onDisk) || !bytes.Equal(decodeBody(t, tc.accept, body), data) {
			t.Errorf("%s, %s: not answered with its copy (Content-Encoding %q)", urlPath, tc.accept, resp.Header.Get("Content-Encoding"))
		}
	}
}
