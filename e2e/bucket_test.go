package e2e

import (
	"context"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog/contentdir"
	"github.com/wandstore/wandstore/generator"
)

// servedLikeABucket builds the content folder dir for an origin on
// 127.0.0.1 and serves the output there the way a bucket does (the files as
// they are, no security headers), behind mux's own handlers. It returns
// the origin ("http://127.0.0.1:<port>/"), the output folder and how long
// the build took; the server stops when the test ends.
func servedLikeABucket(t *testing.T, dir string, mux *http.ServeMux) (origin, out string, built time.Duration) {
	t.Helper()
	out = t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	origin = "http://" + ln.Addr().String() + "/"
	start := time.Now()
	if _, err := generator.Build(context.Background(), generator.Options{Source: contentdir.New(os.DirFS(dir)), Out: out, SiteURL: origin}); err != nil {
		ln.Close()
		t.Fatal(err)
	}
	built = time.Since(start)
	mux.Handle("/", http.FileServer(http.Dir(out)))
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return origin, out, built
}
