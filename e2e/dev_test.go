package e2e

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"
	"github.com/wandstore/wandstore/app"
	"github.com/wandstore/wandstore/content"
	"github.com/wandstore/wandstore/internal/testkit"
)

// TestDevReloadsTheOpenPage is the merchant's loop in a browser: with
// `wandgen dev` on the demo's Magic Wands store (70 products), saving a
// product file reloads the open page with the change; a broken save shows
// the problem over the page, which keeps the last good build; fixing it
// reloads again. The save-to-reload times are logged.
func TestDevReloadsTheOpenPage(t *testing.T) {
	dir := t.TempDir()
	sub, err := fs.Sub(content.FS, demoStore)
	check(t, err, "the demo store's files")
	check(t, os.CopyFS(filepath.Join(dir, demoStore), sub), "copy the demo store")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var log testkit.LogBuffer
	d, err := app.StartDev(ctx, app.DevOptions{Addr: "127.0.0.1:0", OpsAddr: "127.0.0.1:0", Content: dir, Out: t.TempDir(), Data: t.TempDir(), NoCache: true, Log: &log})
	check(t, err, "start dev")
	// Closed after the page (cleanups run last first): a page still open
	// would see its live stream refused and log it.
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer ccancel()
		d.Close(cctx)
	})

	page := newPage(t)
	var listening atomic.Bool
	page.OnRequest(func(r playwright.Request) {
		if strings.HasSuffix(r.URL(), "/_wandstore/dev/events") {
			listening.Store(true)
		}
	})
	url := d.URL + productPath(demoStore, productUnderTest)
	_, err = page.Goto(url)
	check(t, err, "open the product page")
	title := page.Locator("[data-testid=product-title]")
	orig, err := title.TextContent()
	check(t, err, "the title")
	// The events stream is open before the first save.
	for deadline := time.Now().Add(10 * time.Second); !listening.Load(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the page does not listen to the dev server's events")
		}
	}

	file := filepath.Join(dir, demoStore, "products", productUnderTest+".md")
	raw, err := os.ReadFile(file)
	check(t, err, "read the product file")
	save := func(what, text string) time.Time {
		t.Helper()
		check(t, os.WriteFile(file, []byte(text), 0o644), what)
		return time.Now()
	}
	// Ten saves or more: a title and a price each. Timed by the browser's
	// clock (this machine's, as the test's): the new page's navigation
	// start (when the reload script reloaded it), its first byte, its
	// DOMContentLoaded and its load event, from the write's return.
	const saves = 12
	var toReload, toLoad []time.Duration
	var rows []string
	last := ""
	for i := range saves {
		want := fmt.Sprintf("%s (edit %d)", orig, i+1)
		_, err = page.Evaluate(`() => { window.notReloaded = true }`)
		check(t, err, "mark the page")
		text := strings.Replace(string(raw), "title: "+orig, "title: "+want, 1)
		text = strings.Replace(text, `price: "129.00"`, fmt.Sprintf(`price: "12%d.00"`, i%9), 1)
		saved := save("save an edit", text)
		check(t, expect.Locator(title).ToHaveText(want, playwright.LocatorAssertionsToHaveTextOptions{Timeout: playwright.Float(10000)}), "the page shows the edit")
		_, err = page.WaitForFunction(`() => document.readyState === "complete" && performance.getEntriesByType("navigation")[0].loadEventEnd > 0`, nil)
		check(t, err, "the reloaded page's load event")
		v, err := page.Evaluate(`() => { const n = performance.getEntriesByType("navigation")[0]; return [performance.timeOrigin, n.responseStart, n.domContentLoadedEventEnd, n.loadEventEnd] }`)
		check(t, err, "the reloaded page's timing")
		nt, _ := v.([]any)
		if len(nt) != 4 {
			t.Fatalf("navigation timing: %v", v)
		}
		f := func(x any) float64 {
			switch ms := x.(type) {
			case float64:
				return ms
			case int:
				return float64(ms)
			case int64:
				return float64(ms)
			}
			t.Fatalf("navigation timing: %T %v", x, x)
			return 0
		}
		origin := time.UnixMicro(int64(f(nt[0]) * 1000))
		at := func(x any) time.Duration {
			return origin.Add(time.Duration(f(x) * 1e6)).Sub(saved).Round(time.Millisecond)
		}
		reload := origin.Sub(saved).Round(time.Millisecond)
		toReload = append(toReload, reload)
		toLoad = append(toLoad, at(nt[3]))
		rows = append(rows, fmt.Sprintf("save %2d: reload asked %v, first byte %v, DOMContentLoaded %v, load %v", i+1, reload, at(nt[1]), at(nt[2]), at(nt[3])))
		if v, _ := page.Evaluate(`() => window.notReloaded === true`); v == true {
			t.Errorf("edit %d: the title changed without a reload?", i+1)
		}
		last = want
		time.Sleep(50 * time.Millisecond) // a merchant's saves are apart
	}
	t.Logf("save to reloaded page (70-product store), from the write's return:\n%s", strings.Join(rows, "\n"))
	t.Logf("save to the reload asked: %s; to the new page's load event: %s", spread(toReload), spread(toLoad))
	t.Logf("dev log:\n%s", log.String())

	save("save a broken file", "---\ntitle: [\n---\n")
	problem := page.Locator("[data-testid=dev-problem]")
	check(t, expect.Locator(problem).ToContainText(productUnderTest+".md"), "the problem shown over the page")
	check(t, expect.Locator(title).ToHaveText(last), "the last good build stays")
	screenshot(t, page, "dev-problem.png")

	save("fix the file", string(raw))
	check(t, expect.Locator(title).ToHaveText(orig, playwright.LocatorAssertionsToHaveTextOptions{Timeout: playwright.Float(10000)}), "the fixed page")
	check(t, expect.Locator(problem).ToHaveCount(0), "no problem after the fix")
}

// spread is durations' median, least and most.
func spread(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	return fmt.Sprintf("median %v (min %v, max %v, n=%d)", s[len(s)/2], s[0], s[len(s)-1], len(s))
}
