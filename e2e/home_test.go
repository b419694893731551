package e2e

import (
	"strconv"
	"strings"
	"testing"
)

// imageLoaded scrolls an image into view, so a loading="lazy" one starts,
// and resolves to its naturalWidth once it has loaded or failed (0), or
// after 10 s (-1).
const imageLoaded = `async (img) => {
	img.scrollIntoView({block: "center"});
	if (!img.complete) {
		const settled = await Promise.race([
			new Promise((resolve) => {
				img.addEventListener("load", () => resolve(true), {once: true});
				img.addEventListener("error", () => resolve(true), {once: true});
			}),
			new Promise((resolve) => setTimeout(() => resolve(false), 10000)),
		]);
		if (!settled) return -1;
	}
	return img.naturalWidth;
}`

// decorative reports whether an image with alt="" is decorative in the WCAG
// sense (technique H67): it sits in a link whose own text names it, like the
// store logo beside the store name. Any other image needs a description.
const decorative = `(img) => {
	const a = img.closest("a");
	return img.getAttribute("alt") === "" && !!a && a.textContent.trim().length > 0;
}`

// TestHomeImages checks every <img> of the home page: described for screen
// readers (or decorative beside text that names it), sized in the markup (no
// layout shift while it loads), and loads.
func TestHomeImages(t *testing.T) {
	page := newPage(t)
	open(t, page, storePath(demoStore))

	imgs := page.Locator("img")
	check(t, expect.Locator(imgs.First()).ToBeAttached(), "home page should have images")
	n, err := imgs.Count()
	check(t, err, "count images")

	for i := range n {
		img := imgs.Nth(i)
		src, err := img.GetAttribute("src")
		check(t, err, "img src")
		for _, attr := range []string{"alt", "width", "height"} {
			v, err := img.GetAttribute(attr)
			check(t, err, "img "+attr)
			v = strings.TrimSpace(v)
			if attr == "alt" && v == "" {
				deco, err := img.Evaluate(decorative, nil)
				check(t, err, "img alt")
				if deco == true {
					continue
				}
			}
			switch {
			case v == "":
				t.Errorf("img %d (%s): %s is missing or empty", i, src, attr)
			case attr != "alt":
				if px, err := strconv.Atoi(v); err != nil || px <= 0 {
					t.Errorf("img %d (%s): %s=%q, want a positive integer", i, src, attr, v)
				}
			}
		}
		w, err := img.Evaluate(imageLoaded, nil)
		check(t, err, "load img "+src)
		switch w := w.(type) {
		case int:
			if w == -1 {
				t.Errorf("img %d (%s): still loading after 10 s", i, src)
			} else if w <= 0 {
				t.Errorf("img %d (%s): did not load (naturalWidth %d)", i, src, w)
			}
		default:
			t.Errorf("img %d (%s): naturalWidth is %T %v, want a number", i, src, w, w)
		}
	}
}
