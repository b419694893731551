package app

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/ai"
	"github.com/wandstore/wandstore/ai/aitest"
	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/store"
)

const teaArchive = `
-- tea/store.yaml --
name: Tea
currency: EUR
locale: de-DE
-- tea/products/kettle.md --
---
title: Cast Iron Kettle
price: "40.00"
type: Teaware
---
A cast iron kettle for brewing green tea.
-- tea/products/sencha.md --
---
title: Sencha
price: "12.00"
type: Tea
---
Steamed green tea, best brewed in a cast iron kettle.
-- tea/products/socks.md --
---
title: Wool Socks
price: "9.00"
type: Apparel
---
Warm socks.
`

func getRecs(t *testing.T, base, product string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/s/tea/islands/recommendations?product="+product, nil)
	req.Header.Set("HX-Request", "true")
	resp, err := http.DefaultClient.Do(req) // no cookie: a new shopper each time
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("recommendations: %d %s", resp.StatusCode, b)
	}
	return string(b)
}

// With an endpoint, serve embeds the products, shows the model's line of
// copy once it is cached, and logs the calls in the database; the offline
// TF-IDF recommends the semantic neighbour without one.
func TestServeWithAI(t *testing.T) {
	content := testkit.ContentDir(t, teaArchive)
	start := func(t *testing.T) (*Server, string) {
		data := t.TempDir()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s, err := StartServe(ctx, ServeOptions{Addr: "127.0.0.1:0", OpsAddr: "127.0.0.1:0", Content: content, Public: t.TempDir(), Data: data, NoCache: true, IslandsOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		return s, data
	}
	t.Run("offline", func(t *testing.T) {
		s, _ := start(t)
		defer s.Close(context.Background())
		var body string
		for range 50 { // the neighbours are computed in the background
			if body = getRecs(t, s.URL, "kettle"); strings.Contains(body, "/products/sencha/") {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if !strings.Contains(body, "/products/sencha/") || strings.Contains(body, "recommendations-copy") {
			t.Fatalf("offline: %s", body)
		}
	})
	t.Run("model", func(t *testing.T) {
		m := aitest.New(t)
		m.SetReply(func([]aitest.Message) string { return "Für Sie ausgewählt, weil Tee und Kanne zusammengehören." })
		t.Setenv(ai.EnvEndpoint, m.URL)
		t.Setenv(ai.EnvModel, "stand-in")
		s, data := start(t)
		var body string
		for range 100 {
			if body = getRecs(t, s.URL, "kettle"); strings.Contains(body, "recommendations-copy") {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if !strings.Contains(body, "weil Tee und Kanne") || !strings.Contains(body, "Warum diese") {
			t.Fatalf("no copy line: %s", body)
		}
		if err := s.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if m.Texts() != 3 {
			t.Fatalf("the stand-in embedded %d texts for 3 products", m.Texts())
		}
		db, err := store.Open(t.Context(), filepath.Join(data, "wandstore.db"), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		calls, err := ai.Calls(t.Context(), db.Writer(), 100)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, c := range calls {
			kinds[c.Kind]++
			if c.Kind == "copy" && !c.CacheHit && (!strings.Contains(c.Prompt, `"shoppers_are_looking_at_product_type":"Teaware"`) || c.PromptTokens == 0 || c.Model != "stand-in") {
				t.Errorf("copy call logged as %+v", c)
			}
		}
		if kinds["copy"] == 0 || kinds["embeddings"] != 1 {
			t.Fatalf("logged calls by kind: %v", kinds)
		}
		// The operator reads the log on the dashboard.
		const token = "dashboard-token-for-the-ai-test"
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s2, err := StartServe(ctx, ServeOptions{Addr: "127.0.0.1:0", OpsAddr: "127.0.0.1:0", Content: content, Public: t.TempDir(),
			Data: data, NoCache: true, IslandsOnly: true, AdminToken: token})
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close(ctx)
		_, page := adminPage(t, s2.URL, token)
		for _, want := range []string{`<h2 id="ai-h">AI gateway</h2>`, "<td>stand-in</td>", "<td>copy</td>", "type:teaware"} {
			if !strings.Contains(page, want) {
				t.Errorf("the dashboard lacks %q", want)
			}
		}
	})
	t.Run("bad config", func(t *testing.T) {
		for env, want := range map[string]string{ai.EnvModel: ai.EnvModel, envAIBudget: envAIBudget} {
			t.Setenv(ai.EnvEndpoint, "http://127.0.0.1:1")
			if env == envAIBudget {
				t.Setenv(ai.EnvModel, "m")
				t.Setenv(envAIBudget, "soon")
			} else {
				t.Setenv(ai.EnvModel, "")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			s, err := StartServe(ctx, ServeOptions{Addr: "127.0.0.1:0", OpsAddr: "127.0.0.1:0", Content: content, Public: t.TempDir(), Data: t.TempDir(), NoCache: true, IslandsOnly: true})
			cancel()
			if err == nil {
				s.Close(context.Background())
				t.Fatalf("%s: serve started", env)
			}
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("%s: error %q does not name %s", env, err, want)
			}
		}
	})
}
