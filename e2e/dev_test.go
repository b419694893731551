package e2e

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
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
	defer d.Close(ctx)

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
	var times []time.Duration
	for i, want := range []string{orig + " (edited)", orig + " (edited again)"} {
		_, err = page.Evaluate(`() => { window.notReloaded = true }`)
		check(t, err, "mark the page")
		saved := save("save an edit", strings.Replace(string(raw), "title: "+orig, "title: "+want, 1))
		check(t, expect.Locator(title).ToHaveText(want, playwright.LocatorAssertionsToHaveTextOptions{Timeout: playwright.Float(10000)}), "the page shows the edit")
		// When the reloaded page had its content (DOMContentLoaded), by the
		// browser's clock (this machine's): not when the assertion's
		// polling happened to look.
		at, err := page.Evaluate(`() => performance.timeOrigin + performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd`)
		check(t, err, "the reloaded page's timing")
		ms, _ := at.(float64)
		times = append(times, time.UnixMicro(int64(ms*1000)).Sub(saved).Round(time.Millisecond))
		if v, _ := page.Evaluate(`() => window.notReloaded === true`); v == true {
			t.Errorf("edit %d: the title changed without a reload?", i+1)
		}
	}
	t.Logf("save to reloaded page (DOMContentLoaded of the new page; 70-product store): %v", times)
	t.Logf("dev log:\n%s", log.String())

	save("save a broken file", "---\ntitle: [\n---\n")
	problem := page.Locator("[data-testid=dev-problem]")
	check(t, expect.Locator(problem).ToContainText(productUnderTest+".md"), "the problem shown over the page")
	check(t, expect.Locator(title).ToHaveText(orig+" (edited again)"), "the last good build stays")
	screenshot(t, page, "dev-problem.png")

	save("fix the file", string(raw))
	check(t, expect.Locator(title).ToHaveText(orig, playwright.LocatorAssertionsToHaveTextOptions{Timeout: playwright.Float(10000)}), "the fixed page")
	check(t, expect.Locator(problem).ToHaveCount(0), "no problem after the fix")
}
