package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wandstore/wandstore/internal/testkit"
)

// evilSVG is what a hostile merchant uploads as a product image: opened as
// a document on the origin every store shares, it reads another store's
// shopper greeting and sends it home.
const evilSVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" width="800" height="800" onload="steal('onload')">
<script><![CDATA[
function steal(how) {
  fetch('/s/beta/islands/greeting').then(function (r) { return r.text(); })
    .then(function (t) { fetch('/leak?how=' + how + '&got=' + encodeURIComponent(t)); });
}
steal('script');
]]></script>
<rect width="10" height="10" fill="#4b2e83"/>
</svg>`

const twoStores = `
-- alpha/store.yaml --
name: Alpha
currency: USD
-- alpha/products/wand.md --
---
title: Wand
price: "10.00"
images: [{ src: images/wand.svg, alt: A wand }]
---
A wand.
-- beta/store.yaml --
name: Beta
currency: USD
-- beta/products/cloak.md --
---
title: Cloak
price: "20.00"
---
A cloak.
`

// TestMerchantSVGCannotReachAnotherStore is the red team's cross-tenant
// attack: stores share one origin under /s/, and the build is served the
// way a bucket serves it (the files as they are, no Content-Security-Policy
// header). A script-bearing SVG opened from store alpha must not run: it
// never reads store beta's island. The merchant's own file, served raw
// beside it, shows the attack is real: it does leak.
func TestMerchantSVGCannotReachAnotherStore(t *testing.T) {
	dir := testkit.ContentDir(t, twoStores)
	if err := os.MkdirAll(filepath.Join(dir, "alpha/images"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "alpha/images/wand.svg"), []byte(evilSVG), 0o644); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var leaks, islandReads []string
	mux := http.NewServeMux()
	mux.HandleFunc("/leak", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		leaks = append(leaks, r.URL.RawQuery)
		mu.Unlock()
	})
	mux.HandleFunc("/s/beta/islands/greeting", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		islandReads = append(islandReads, r.Referer())
		mu.Unlock()
		w.Write([]byte("Welcome back, Beta's shopper"))
	})
	// Alpha's islands answer empty: what the page does with them is not
	// the point here.
	mux.HandleFunc("/s/alpha/islands/", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/raw/wand.svg", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Write([]byte(evilSVG))
	})
	origin, out, _ := servedLikeABucket(t, dir, mux)

	published, _ := filepath.Glob(filepath.Join(out, "s/alpha/assets/wand.*.svg"))
	if len(published) != 1 {
		t.Fatalf("published wand images: %v", published)
	}
	asset := origin + strings.TrimPrefix(filepath.ToSlash(strings.TrimPrefix(published[0], out)), "/")
	page := newPage(t)
	// wait gives a page's script time to leak: until want leaks came,
	// or for d.
	wait := func(want int, d time.Duration) {
		for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			mu.Lock()
			n := len(leaks)
			mu.Unlock()
			if want > 0 && n >= want {
				return
			}
		}
	}

	// The product page shows the image; the published file opened on its
	// own, as a shopper lured to its URL would.
	if _, err := page.Goto(origin + "s/alpha/products/wand/"); err != nil {
		t.Fatal(err)
	}
	if _, err := page.Goto(asset); err != nil {
		t.Fatal(err)
	}
	wait(0, time.Second)
	mu.Lock()
	if len(leaks) != 0 || len(islandReads) != 0 {
		t.Fatalf("the published SVG ran: leaks %v, island reads %v", leaks, islandReads)
	}
	mu.Unlock()

	// Control: the same file as the merchant uploaded it does leak here.
	if _, err := page.Goto(origin + "raw/wand.svg"); err != nil {
		t.Fatal(err)
	}
	wait(1, 5*time.Second)
	mu.Lock()
	defer mu.Unlock()
	if len(leaks) == 0 || !strings.Contains(leaks[0], "Beta") {
		t.Fatalf("the raw SVG did not leak (%v): the test cannot tell a safe build from an unsafe one", leaks)
	}
}
