// Package publishertest is one conformance suite for every
// generator.Publisher: a local folder and a bucket must behave the same to
// the generator.
package publishertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wandstore/wandstore/generator"
)

// Getter is implemented by a publisher under test (or a test wrapper
// around one) that can read a published file back. Run checks contents
// only when the publisher is a Getter. Get returns an error wrapping
// fs.ErrNotExist for a file that is not published.
type Getter interface {
	Get(ctx context.Context, p string) ([]byte, error)
}

// Run runs the suite against publishers made by open. open is called once
// per subtest and must return an empty publisher (a fresh folder, an empty
// bucket or prefix), cleaned up by the test.
func Run(t *testing.T, open func(t *testing.T) generator.Publisher) {
	t.Run("PutExistsGet", func(t *testing.T) { testPut(t, open(t)) })
	t.Run("Overwrite", func(t *testing.T) { testOverwrite(t, open(t)) })
	t.Run("EmptyFile", func(t *testing.T) { testEmpty(t, open(t)) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, open(t)) })
	t.Run("DeleteMissing", func(t *testing.T) { testDeleteMissing(t, open(t)) })
	t.Run("InvalidPaths", func(t *testing.T) { testInvalid(t, open(t)) })
	t.Run("NestedPaths", func(t *testing.T) { testNested(t, open(t)) })
	t.Run("ConcurrentPuts", func(t *testing.T) { testConcurrent(t, open(t)) })
	t.Run("AtomicVisibility", func(t *testing.T) { testAtomic(t, open(t)) })
	t.Run("CanceledContext", func(t *testing.T) { testCanceled(t, open(t)) })
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func put(t *testing.T, p generator.Publisher, name, data string) {
	t.Helper()
	if err := p.Put(ctx(t), name, []byte(data)); err != nil {
		t.Fatalf("Put(%q): %v", name, err)
	}
}

func exists(t *testing.T, p generator.Publisher, name string, want bool) {
	t.Helper()
	ok, err := p.Exists(ctx(t), name)
	if err != nil {
		t.Fatalf("Exists(%q): %v", name, err)
	}
	if ok != want {
		t.Errorf("Exists(%q) = %v, want %v", name, ok, want)
	}
}

// content checks name's bytes when p can read them back.
func content(t *testing.T, p generator.Publisher, name, want string) {
	t.Helper()
	g, ok := p.(Getter)
	if !ok {
		return
	}
	got, err := g.Get(ctx(t), name)
	if err != nil {
		t.Fatalf("Get(%q): %v", name, err)
	}
	if string(got) != want {
		t.Errorf("Get(%q) = %.40q, want %.40q", name, got, want)
	}
}

// gone checks that name cannot be read back.
func gone(t *testing.T, p generator.Publisher, name string) {
	t.Helper()
	g, ok := p.(Getter)
	if !ok {
		return
	}
	if _, err := g.Get(ctx(t), name); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Get(%q) after delete: err = %v, want fs.ErrNotExist", name, err)
	}
}

func testPut(t *testing.T, p generator.Publisher) {
	exists(t, p, "index.html", false)
	put(t, p, "index.html", "<h1>home</h1>")
	exists(t, p, "index.html", true)
	content(t, p, "index.html", "<h1>home</h1>")
	exists(t, p, "other.html", false)
}

func testOverwrite(t *testing.T, p generator.Publisher) {
	put(t, p, "s/a/index.html", "old, and longer than the new")
	put(t, p, "s/a/index.html", "new")
	content(t, p, "s/a/index.html", "new")
	// Putting the same bytes again is fine (a bucket may skip the upload).
	put(t, p, "s/a/index.html", "new")
	content(t, p, "s/a/index.html", "new")
	// Back to bytes it held before.
	put(t, p, "s/a/index.html", "old, and longer than the new")
	content(t, p, "s/a/index.html", "old, and longer than the new")
	exists(t, p, "s/a/index.html", true)
}

func testEmpty(t *testing.T, p generator.Publisher) {
	put(t, p, "empty.txt", "")
	exists(t, p, "empty.txt", true)
	content(t, p, "empty.txt", "")
}

func testDelete(t *testing.T, p generator.Publisher) {
	put(t, p, "s/a/products/x/index.html", "x")
	put(t, p, "s/a/products/y/index.html", "y")
	if err := p.Delete(ctx(t), "s/a/products/x/index.html"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	exists(t, p, "s/a/products/x/index.html", false)
	gone(t, p, "s/a/products/x/index.html")
	exists(t, p, "s/a/products/y/index.html", true)
	content(t, p, "s/a/products/y/index.html", "y")
	// A deleted file can come back.
	put(t, p, "s/a/products/x/index.html", "x")
	exists(t, p, "s/a/products/x/index.html", true)
	content(t, p, "s/a/products/x/index.html", "x")
}

func testDeleteMissing(t *testing.T, p generator.Publisher) {
	for _, name := range []string{"never.html", "no/such/folder/index.html"} {
		if err := p.Delete(ctx(t), name); err != nil {
			t.Errorf("Delete(%q) of a missing file: %v", name, err)
		}
	}
	put(t, p, "once.html", "1")
	for range 2 {
		if err := p.Delete(ctx(t), "once.html"); err != nil {
			t.Errorf("Delete twice: %v", err)
		}
	}
	exists(t, p, "once.html", false)
}

func testInvalid(t *testing.T, p generator.Publisher) {
	put(t, p, "ok/index.html", "ok")
	for _, name := range []string{"", ".", "/abs.html", "../up.html", "a/../../up.html", "ok/../index.html", "a//b.html", "a/", "./a.html", "a/./b.html", ".."} {
		if err := p.Put(ctx(t), name, []byte("x")); err == nil {
			t.Errorf("Put(%q) succeeded", name)
		}
		if err := p.Delete(ctx(t), name); err == nil {
			t.Errorf("Delete(%q) succeeded", name)
		}
		if ok, err := p.Exists(ctx(t), name); err == nil || ok {
			t.Errorf("Exists(%q) = %v, %v; want an error", name, ok, err)
		}
	}
	// Nothing escaped or got clobbered.
	content(t, p, "ok/index.html", "ok")
}

func testNested(t *testing.T, p generator.Publisher) {
	files := map[string]string{
		"s/a/index.html":                        "home",
		"s/a/collections/all/index.html":        "all",
		"s/a/collections/all/page/2/index.html": "all 2",
		"s/a/collections/allx/index.html":       "allx",
		"s/a/assets/app.0123456789.css":         "css",
	}
	for name, data := range files {
		put(t, p, name, data)
	}
	for name, data := range files {
		exists(t, p, name, true)
		content(t, p, name, data)
	}
	// A folder is not a published file.
	for _, dir := range []string{"s", "s/a", "s/a/collections/all", "s/a/assets"} {
		exists(t, p, dir, false)
	}
	// Removing the deepest file leaves its neighbours and parents' files.
	if err := p.Delete(ctx(t), "s/a/collections/all/page/2/index.html"); err != nil {
		t.Fatal(err)
	}
	exists(t, p, "s/a/collections/all/page/2/index.html", false)
	exists(t, p, "s/a/collections/all/index.html", true)
	exists(t, p, "s/a/collections/allx/index.html", true)
	// And a file can be published where a folder emptied out.
	put(t, p, "s/a/collections/all/page/3/index.html", "all 3")
	content(t, p, "s/a/collections/all/page/3/index.html", "all 3")
}

func testConcurrent(t *testing.T, p generator.Publisher) {
	const n = 48
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			// Many files sharing a few folders, as a render pool writes them.
			name := fmt.Sprintf("s/a/products/p%d/index.html", i%6) + strings.Repeat("x", i/6)
			errs <- p.Put(ctx(t), name, []byte(name))
		}()
		go func() {
			defer wg.Done()
			// Everyone writes the same file too.
			errs <- p.Put(ctx(t), "s/a/search.json", fmt.Appendf(nil, `{"writer":%d}`, i))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent Put: %v", err)
		}
	}
	for i := range n {
		name := fmt.Sprintf("s/a/products/p%d/index.html", i%6) + strings.Repeat("x", i/6)
		exists(t, p, name, true)
		content(t, p, name, name)
	}
	exists(t, p, "s/a/search.json", true)
	if g, ok := p.(Getter); ok {
		got, err := g.Get(ctx(t), "s/a/search.json")
		if err != nil || !bytes.HasPrefix(got, []byte(`{"writer":`)) || !bytes.HasSuffix(got, []byte("}")) || bytes.Count(got, []byte("{")) != 1 {
			t.Errorf("concurrently written file = %q, %v: want one writer's bytes whole", got, err)
		}
	}
}

// testAtomic overwrites one file with two alternating payloads while
// readers read it: every read must be one payload whole, never a mix, a
// truncated file or a missing one.
func testAtomic(t *testing.T, p generator.Publisher) {
	g, ok := p.(Getter)
	if !ok {
		t.Skip("the publisher cannot read back")
	}
	const name = "s/a/big/index.html"
	a, b := bytes.Repeat([]byte("a"), 256<<10), bytes.Repeat([]byte("b"), 200<<10)
	if err := p.Put(ctx(t), name, a); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var bad []string
	reads := 0
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				got, err := g.Get(ctx(t), name)
				mu.Lock()
				reads++
				if err != nil {
					bad = append(bad, err.Error())
				} else if !bytes.Equal(got, a) && !bytes.Equal(got, b) {
					bad = append(bad, fmt.Sprintf("%d bytes, neither payload", len(got)))
				}
				mu.Unlock()
			}
		}()
	}
	for i := range 30 {
		data := a
		if i%2 == 0 {
			data = b
		}
		if err := p.Put(ctx(t), name, data); err != nil {
			t.Error(err)
			break
		}
	}
	close(stop)
	wg.Wait()
	if len(bad) > 0 {
		t.Errorf("%d of %d reads saw a partial or missing file: %v", len(bad), reads, bad[:min(3, len(bad))])
	}
}

func testCanceled(t *testing.T, p generator.Publisher) {
	c, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Put(c, "canceled.html", []byte("x")); err == nil {
		t.Error("Put with a canceled context succeeded")
	}
	exists(t, p, "canceled.html", false)
}
