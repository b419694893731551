package ai_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/ai"
	"github.com/wandstore/wandstore/ai/aitest"
)

func newClient(t *testing.T, s *aitest.Server, timeout time.Duration) *ai.Client {
	t.Helper()
	c, err := ai.NewClient(ai.Config{Endpoint: s.URL, Model: "chat-m", EmbedModel: "embed-m", Key: "k", Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestChatAndEmbed(t *testing.T) {
	s := aitest.New(t)
	c := newClient(t, s, 5*time.Second)
	got, err := c.Chat(t.Context(), ai.ChatRequest{Messages: []ai.Message{{Role: "user", Content: "hello there"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != "Picked for you" || got.Model != "chat-m" || got.Usage.TotalTokens == 0 || got.Usage.PromptTokens == 0 || got.FinishReason != "stop" {
		t.Fatalf("chat = %+v", got)
	}
	e, err := c.Embed(t.Context(), []string{"green tea", "black tea", "teapot"})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Vectors) != 3 || len(e.Vectors[0]) != 64 || e.Model != "embed-m" || e.Usage.PromptTokens == 0 {
		t.Fatalf("embed = %d vectors, model %q, usage %+v", len(e.Vectors), e.Model, e.Usage)
	}
	if s.Texts() != 3 || s.Embeds() != 1 || s.Chats() != 1 {
		t.Fatalf("stand-in counted %d texts, %d embeds, %d chats", s.Texts(), s.Embeds(), s.Chats())
	}
}

func TestErrors(t *testing.T) {
	s := aitest.New(t)
	c := newClient(t, s, 300*time.Millisecond)
	msgs := []ai.Message{{Role: "user", Content: "x"}}
	cases := []struct {
		name   string
		setup  func()
		kind   ai.Kind
		status int
		temp   bool
	}{
		{"5xx", func() { s.SetFailStatus(502); s.Fail(aitest.Status) }, ai.KindServer, 502, true},
		{"429", func() { s.SetFailStatus(429); s.Fail(aitest.Status) }, ai.KindRateLimited, 429, true},
		{"401", func() { s.SetFailStatus(401); s.Fail(aitest.Status) }, ai.KindRejected, 401, false},
		{"malformed", func() { s.Fail(aitest.Malformed) }, ai.KindMalformed, 200, false},
		{"wrong shape", func() { s.Fail(aitest.WrongShape) }, ai.KindMalformed, 200, false},
		{"slow", func() { s.Fail(aitest.Hang) }, ai.KindTimeout, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, op := range []string{"chat", "embeddings"} {
				tc.setup()
				var err error
				if op == "chat" {
					_, err = c.Chat(t.Context(), ai.ChatRequest{Messages: msgs})
				} else {
					_, err = c.Embed(t.Context(), []string{"a"})
				}
				var e *ai.Error
				if !errors.As(err, &e) {
					t.Fatalf("%s: err = %v, want *ai.Error", op, err)
				}
				if e.Kind != tc.kind || e.Status != tc.status || e.Temporary() != tc.temp || e.Op != op {
					t.Fatalf("%s: err = %+v (%v)", op, e, e)
				}
				if tc.kind == ai.KindRateLimited && e.RetryAfter != 2*time.Second {
					t.Fatalf("Retry-After = %v", e.RetryAfter)
				}
				if tc.status >= 400 && !strings.Contains(e.Error(), "stand-in failure") {
					t.Fatalf("error %q lacks the API's message", e)
				}
			}
		})
	}
}

func TestContextDeadlineIsATimeout(t *testing.T) {
	s := aitest.New(t)
	s.SetLatency(time.Second)
	c := newClient(t, s, 10*time.Second)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Chat(ctx, ai.ChatRequest{Messages: []ai.Message{{Role: "user", Content: "x"}}})
	var e *ai.Error
	if !errors.As(err, &e) || e.Kind != ai.KindTimeout {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Fatalf("returned after %v, not at the deadline", d)
	}
}

func TestBodyIsBounded(t *testing.T) {
	s := aitest.New(t)
	s.SetDim(4096) // at least 8 KB of JSON per vector
	c, err := ai.NewClient(ai.Config{Endpoint: s.URL + "/v1/", Model: "m", MaxBody: 2 << 10})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Embed(t.Context(), []string{"a b c d"})
	var e *ai.Error
	if !errors.As(err, &e) || e.Kind != ai.KindMalformed || !strings.Contains(e.Message, "larger than") {
		t.Fatalf("err = %v", err)
	}
}

func TestWrongEmbeddingCount(t *testing.T) {
	// A server that answers fewer vectors than inputs.
	srv := http.NewServeMux()
	srv.HandleFunc("/v1/embeddings", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2]}],"model":"m","usage":{"prompt_tokens":1,"total_tokens":1}}`))
	})
	url := serve(t, srv)
	c, err := ai.NewClient(ai.Config{Endpoint: url, Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Embed(t.Context(), []string{"a", "b"})
	if err == nil || !strings.Contains(err.Error(), "1 embeddings for 2 inputs") {
		t.Fatalf("err = %v", err)
	}
}

func TestConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if _, ok, err := ai.ConfigFromEnv(env(nil)); ok || err != nil {
		t.Fatalf("no endpoint: ok %v err %v", ok, err)
	}
	if _, _, err := ai.ConfigFromEnv(env(map[string]string{ai.EnvEndpoint: "http://127.0.0.1:1"})); err == nil {
		t.Fatal("an endpoint without a model is accepted")
	}
	cfg, ok, err := ai.ConfigFromEnv(env(map[string]string{ai.EnvEndpoint: "http://x", ai.EnvModel: "m", ai.EnvKey: "sk"}))
	if !ok || err != nil || cfg.Key != "sk" || cfg.Model != "m" {
		t.Fatalf("cfg %+v ok %v err %v", cfg, ok, err)
	}
	for _, bad := range []string{"", "ftp://x", "http://", "http://x/v1?a=b", "::"} {
		if _, err := ai.NewClient(ai.Config{Endpoint: bad, Model: "m"}); err == nil {
			t.Errorf("endpoint %q accepted", bad)
		}
	}
	if _, err := ai.NewClient(ai.Config{Endpoint: "http://x"}); err == nil {
		t.Error("no model accepted")
	}
}
