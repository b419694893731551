package islands

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/experiments"
	"github.com/wandstore/wandstore/islands/recommend"
)

// expLog is an ExperimentLog that keeps what it is told.
type expLog struct {
	mu          sync.Mutex
	exposures   []string // "experiment/variant/shopper"
	conversions []string // "goal/shopper"
}

func (l *expLog) Expose(_, experiment, variant, shopper string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.exposures = append(l.exposures, experiment+"/"+variant+"/"+shopper)
}

func (l *expLog) Convert(_, shopper string, goal catalog.Goal, _ int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.conversions = append(l.conversions, string(goal)+"/"+shopper)
}

func (l *expLog) Results(context.Context, *catalog.Store) ([]experiments.Result, error) {
	return nil, nil
}

func (l *expLog) count(list *[]string, prefix string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, x := range *list {
		if strings.HasPrefix(x, prefix) {
			n++
		}
	}
	return n
}

// A greeting experiment: each shopper sees their variant's text in the
// cart badge (the control none), is counted once they have a cookie, and
// their add to cart is a conversion; a shopper who gave a name sees it
// instead and is not counted as exposed.
func TestGreetingExperiment(t *testing.T) {
	log := &expLog{}
	e := newEnv(t, func(o *Options) {
		o.Experiments = log
		c, _ := o.Catalogs.Get(o.Catalogs.All()[0].Store.Handle)
		c.Store.Experiments = []catalog.Experiment{{ID: "welcome", Goal: catalog.GoalAddToCart, Variants: []catalog.ExperimentVariant{
			{Name: "control", Weight: 1}, {Name: "owls", Weight: 1, Greeting: "Free owl post over $50"},
		}}}
	})
	exp := &e.cat.Store.Experiments[0]
	p, v := e.variant(untracked)
	seen := map[string]int{}
	for range 12 {
		c := e.shopper()
		before := log.count(&log.exposures, "welcome/")
		c.get("cart/badge") // a new shopper: not counted yet
		if log.count(&log.exposures, "welcome/") != before {
			t.Fatalf("a shopper without a cookie was counted: %v", log.exposures)
		}
		c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
		badge := c.get("cart/badge").body
		id := string(c.id())
		want := experiments.Assign(exp, id).Name
		seen[want]++
		if shows := strings.Contains(badge, "Free owl post over $50"); shows != (want == "owls") {
			t.Errorf("shopper in %s: badge shows the variant's text = %v\n%s", want, shows, badge)
		}
		if got := log.count(&log.exposures, "welcome/"+want+"/"+id); got == 0 {
			t.Errorf("shopper in %s not exposed", want)
		}
		if got := log.count(&log.conversions, string(catalog.GoalAddToCart)+"/"+id); got != 1 {
			t.Errorf("shopper's add to cart: %d conversions, want 1", got)
		}
	}
	if seen["owls"] == 0 || seen["control"] == 0 {
		t.Fatalf("12 shoppers all in one variant: %v", seen)
	}

	// A shopper with a name: the name, no exposure.
	c := e.shopper()
	c.post("preferences", "name", "Ada", "sort", "")
	before := log.count(&log.exposures, "welcome/")
	badge := c.get("cart/badge").body
	if !strings.Contains(badge, "Ada") || strings.Contains(badge, "owl post") {
		t.Errorf("a named shopper's badge:\n%s", badge)
	}
	if got := log.count(&log.exposures, "welcome/"); got != before {
		t.Errorf("a named shopper was exposed to the greeting experiment")
	}
}

// A recommendations experiment: the variant's strategy picks the list
// ("popular": the store's most popular, never the page's product or the
// cart's) and its badge is on every card; the control sees the island's
// own list without a badge. Both are exposed.
func TestRecommendationsExperiment(t *testing.T) {
	log := &expLog{}
	e := newEnv(t, func(o *Options) {
		o.Experiments = log
		c := o.Catalogs.All()[0]
		c.Store.Experiments = []catalog.Experiment{{ID: "recs", Goal: catalog.GoalCheckout, Variants: []catalog.ExperimentVariant{
			{Name: "control", Weight: 1}, {Name: "popular", Weight: 1, Recommendations: "popular", Badge: "Staff pick"},
		}}}
	})
	exp := &e.cat.Store.Experiments[0]
	p, v := e.variant(untracked)
	page := e.cat.Store.PublishedProducts()[0].Handle
	seen := map[string]bool{}
	for range 10 {
		c := e.shopper()
		c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1") // a cookie, and a cart
		body := c.get("recommendations?product=" + page).body
		id := string(c.id())
		want := experiments.Assign(exp, id).Name
		seen[want] = true
		badges := strings.Count(body, `data-testid="experiment-badge"`)
		cards := strings.Count(body, `data-testid="product-card"`)
		if want == "popular" {
			if cards == 0 {
				t.Fatalf("no popular recommendations:\n%s", body)
			}
			if badges != cards || !strings.Contains(body, "Staff pick") {
				t.Errorf("a popular shopper: %d badges on %d cards", badges, cards)
			}
			if strings.Contains(body, `href="`+e.cat.Site.ProductPath(page)+`"`) || strings.Contains(body, `href="`+e.cat.Site.ProductPath(p.Handle)+`"`) {
				t.Errorf("popular picks include the page's product or the cart's")
			}
		} else if badges != 0 {
			t.Errorf("a control shopper sees %d badges", badges)
		}
		if got := log.count(&log.exposures, "recs/"+want+"/"+id); got == 0 {
			t.Errorf("a %s shopper was not exposed", want)
		}
	}
	if !seen["popular"] || !seen["control"] {
		t.Fatalf("10 shoppers all in one variant: %v", seen)
	}
}

// Comparing the AI line of copy against none: the "none" variant's
// recommendations have no copy line, the control's ("ai") have the
// Advisor's, and both are exposed.
func TestCopyExperiment(t *testing.T) {
	log := &expLog{}
	adv := &stubAdvisor{line: "Picked for wand lovers", segs: make(chan recommend.Segment, 64)}
	e := newEnv(t, func(o *Options) {
		o.Experiments, o.AI = log, adv
		c := o.Catalogs.All()[0]
		c.Store.Experiments = []catalog.Experiment{{ID: "copy", Goal: catalog.GoalAddToCart, Variants: []catalog.ExperimentVariant{
			{Name: "ai", Weight: 1, Copy: "ai"}, {Name: "none", Weight: 1, Copy: "none"},
		}}}
	})
	exp := &e.cat.Store.Experiments[0]
	p, v := e.variant(untracked)
	seen := map[string]bool{}
	checked := 0
	for range 10 {
		c := e.shopper()
		c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
		body := c.get("recommendations?product=" + p.Handle).body
		id := string(c.id())
		want := experiments.Assign(exp, id).Name
		seen[want] = true
		if strings.Contains(body, `data-testid="product-card"`) {
			checked++
			if shows := strings.Contains(body, "Picked for wand lovers"); shows != (want == "ai") {
				t.Errorf("a shopper in %q: copy shown = %v", want, shows)
			}
		}
		if log.count(&log.exposures, "copy/"+want+"/"+id) == 0 {
			t.Errorf("a shopper in %q was not exposed", want)
		}
	}
	if !seen["ai"] || !seen["none"] || checked == 0 {
		t.Fatalf("10 shoppers all in one variant (%v), or no recommendations to check (%d)", seen, checked)
	}
}
