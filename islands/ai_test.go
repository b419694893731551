package islands

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/ai"
	"github.com/wandstore/wandstore/ai/aitest"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/islands/recommend"
)

// stubAdvisor answers fixed neighbours and a fixed line, recording the
// segments it was asked for.
type stubAdvisor struct {
	nb   *recommend.Neighbours
	line string
	segs chan recommend.Segment
}

func (a *stubAdvisor) Neighbours(*catalog.Store) *recommend.Neighbours { return a.nb }
func (a *stubAdvisor) Copy(_ context.Context, g recommend.Segment) string {
	select {
	case a.segs <- g:
	default:
	}
	return a.line
}

// recHandles are the product handles the recommendations island shows.
func recHandles(e *env, body string) []string {
	d := answer{body: body}.doc(e.t)
	var out []string
	d.Find("[data-testid=product-card] h3 a").Each(func(_ int, s *goquerySel) {
		href, _ := s.Attr("href")
		out = append(out, strings.TrimSuffix(strings.TrimPrefix(href, e.cat.Site.Path("products/")), "/"))
	})
	return out
}

// A product that shares nothing with the page's product appears for a
// shopper with no history once it is the page's semantic neighbour; the
// line of copy is shown, escaped, and asked for the page's product type.
func TestRecommendationsBlendSemanticNeighbours(t *testing.T) {
	plain := newEnv(t)
	p, _ := plain.variant(untracked)
	before := recHandles(plain, plain.shopper().get("recommendations?product="+p.Handle).body)
	must(t, len(before) > 0, "no recommendations for %s", p.Handle)
	// The neighbour: the last available product the behavioural picks leave out.
	var far string
	for _, q := range slices.Backward(plain.cat.Store.Products) {
		if q.Handle != p.Handle && q.Published() && q.Available() && !slices.Contains(before, q.Handle) {
			far = q.Handle
			break
		}
	}
	must(t, far != "", "every product is already recommended")
	nb := recommend.VectorNeighbours(plain.cat.Store, []string{p.Handle, far}, [][]float32{{1, 0}, {1, 0.1}}, 4, "stub")
	hostile := `<script>alert(1)</script><div hx-post="/s/magic-wands/islands/cart/add" hx-trigger="load">x</div>`
	adv := &stubAdvisor{nb: nb, line: hostile, segs: make(chan recommend.Segment, 8)}
	e := newEnv(t, func(o *Options) { o.AI = adv })
	a := e.shopper().get("recommendations?product=" + p.Handle)
	got := recHandles(e, a.body)
	must(t, slices.Contains(got, far), "semantic neighbour %s missing: %v (behavioural %v)", far, got, before)
	must(t, !slices.Contains(got, p.Handle), "the page's product is recommended")
	d := a.doc(t)
	must(t, d.Find("script").Length() == 0 && d.Find("[hx-post],[hx-trigger]").Length() == 0, "the model's markup was rendered: %s", a.body)
	must(t, strings.Contains(a.body, "&lt;script&gt;") && d.Find("[data-testid=recommendations-copy]").Length() == 1, "copy line missing: %s", a.body)
	g := <-adv.segs
	must(t, g.Type == p.Type && g.Store == e.cat.Store.Handle, "segment %+v for a page of type %q", g, p.Type)
}

// With a real Advisor and a model slower than the budget, the island
// answers without copy within about the budget; the next shopper of the
// segment gets the line the call left in the cache, cleaned of markup.
func TestRecommendationsNeverWaitOnASlowModel(t *testing.T) {
	s := aitest.New(t)
	s.SetLatency(600 * time.Millisecond)
	s.SetReply(func([]aitest.Message) string {
		return `<script>alert(1)</script>Picked for you <b hx-get="/s/x/islands/cart">because</b> wands`
	})
	c, err := ai.NewClient(ai.Config{Endpoint: s.URL, Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	var adv *ai.Advisor
	e := newEnv(t, func(o *Options) {
		w := ai.NewCopywriter(c, ai.CopyOptions{Cache: o.Cache.(ai.Cache), Budget: 150 * time.Millisecond})
		adv = ai.NewAdvisor(ai.AdvisorOptions{Copywriter: w})
		o.AI = adv
	})
	p, _ := e.variant(untracked)
	start := time.Now()
	a := e.shopper().get("recommendations?product=" + p.Handle)
	took := time.Since(start)
	must(t, a.status == 200 && len(recHandles(e, a.body)) > 0, "no recommendations: %d", a.status)
	must(t, !strings.Contains(a.body, "recommendations-copy"), "copy from a model slower than the budget")
	must(t, took < 550*time.Millisecond, "the island waited %v on the model", took)
	adv.Wait()
	b := e.shopper().get("recommendations?product=" + p.Handle)
	d := b.doc(t)
	line := d.Find("[data-testid=recommendations-copy]")
	must(t, line.Length() == 1 && strings.Contains(line.Text(), "Picked for you because wands"), "no cached copy for the next shopper: %s", b.body)
	must(t, d.Find("script, [hx-get]").Length() == 0 && !strings.Contains(b.body, "&lt;script"), "markup from the model: %s", b.body)
	must(t, s.Chats() == 1, "the model was asked %d times", s.Chats())
}
