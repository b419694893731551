package cdnpurge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const token = "cf-test-token-0123456789"

// fakeCloudflare answers POST /client/v4/zones/<zone>/purge_cache the way
// Cloudflare documents it, after the answers queued in fail (one per
// request; nil: answer normally) run out.
type fakeCloudflare struct {
	srv  *httptest.Server
	mu   sync.Mutex
	fail []func(w http.ResponseWriter)
	got  [][]string // files of each accepted request
	hits int        // every request, accepted or not
	bad  []string   // what was wrong with a request
}

func newFakeCloudflare(t *testing.T) *fakeCloudflare {
	t.Helper()
	f := &fakeCloudflare{}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeCloudflare) endpoint() string { return f.srv.URL + "/client/v4/zones/zone123/purge_cache" }

func (f *fakeCloudflare) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hits++
	problem := func(s string) {
		f.bad = append(f.bad, s)
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"success":false,"errors":[{"code":1012,"message":%q}],"messages":[],"result":null}`, s)
	}
	if r.Method != http.MethodPost || r.URL.Path != "/client/v4/zones/zone123/purge_cache" {
		problem(r.Method + " " + r.URL.Path)
		return
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+token {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"success":false,"errors":[{"code":10000,"message":"Authentication error"}],"messages":[],"result":null}`)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		problem("Content-Type " + ct)
		return
	}
	var body map[string][]string
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || len(body) != 1 || body["files"] == nil {
		problem(fmt.Sprintf("body %v %v", body, err))
		return
	}
	if len(f.fail) > 0 {
		answer := f.fail[0]
		f.fail = f.fail[1:]
		if answer != nil {
			answer(w)
			return
		}
	}
	f.got = append(f.got, body["files"])
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `{"success":true,"errors":[],"messages":[],"result":{"id":"9a7806061c88ada191ed06f989cc3dac"}}`)
}

func status(code int, header, value, body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		if header != "" {
			w.Header().Set(header, value)
		}
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	}
}

// newTestPurger records the waits between attempts instead of sleeping.
func newTestPurger(t *testing.T, cfg Config) (*Purger, *[]time.Duration) {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	p.sleep = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		return ctx.Err()
	}
	return p, &waits
}

func urlList(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("https://shop.example/p/%d/", i))
	}
	return out
}

func TestPurgeBatchesAndDeduplicates(t *testing.T) {
	f := newFakeCloudflare(t)
	p, waits := newTestPurger(t, Config{Endpoint: f.endpoint(), Token: token, BatchSize: 3})
	urls := append(urlList(7), "https://shop.example/p/0/", "https://shop.example/p/6/")
	st, err := p.Purge(context.Background(), urls)
	if err != nil {
		t.Fatal(err)
	}
	if st != (Stats{URLs: 7, Requests: 3}) {
		t.Errorf("stats %+v, want 7 URLs in 3 requests", st)
	}
	if len(f.bad) > 0 {
		t.Errorf("malformed requests: %q", f.bad)
	}
	var sizes []int
	var all []string
	for _, b := range f.got {
		sizes = append(sizes, len(b))
		all = append(all, b...)
	}
	if fmt.Sprint(sizes) != "[3 3 1]" || strings.Join(all, " ") != strings.Join(urlList(7), " ") {
		t.Errorf("batches %v: %q", sizes, f.got)
	}
	if len(*waits) != 0 {
		t.Errorf("waited %v without a failure", *waits)
	}
}

func TestPurgeDefaultBatchSize(t *testing.T) {
	f := newFakeCloudflare(t)
	p, _ := newTestPurger(t, Config{Endpoint: f.endpoint(), Token: token})
	st, err := p.Purge(context.Background(), urlList(DefaultBatchSize+1))
	if err != nil {
		t.Fatal(err)
	}
	if st.Requests != 2 || len(f.got[0]) != DefaultBatchSize || len(f.got[1]) != 1 {
		t.Errorf("stats %+v, batches of %d and %d", st, len(f.got[0]), len(f.got[1]))
	}
}

func TestPurgeNothingSendsNothing(t *testing.T) {
	f := newFakeCloudflare(t)
	p, _ := newTestPurger(t, Config{Endpoint: f.endpoint(), Token: token})
	if st, err := p.Purge(context.Background(), nil); err != nil || st != (Stats{}) || f.hits != 0 {
		t.Errorf("Purge(nil) = %+v, %v after %d requests", st, err, f.hits)
	}
}

func TestPurgeRetries(t *testing.T) {
	f := newFakeCloudflare(t)
	limited := `{"success":false,"errors":[{"code":971,"message":"Please wait and consider throttling your request speed"}],"messages":[],"result":null}`
	f.fail = []func(http.ResponseWriter){
		status(http.StatusTooManyRequests, "Retry-After", "7", limited),
		status(http.StatusServiceUnavailable, "", "", "upstream unavailable"),
		status(http.StatusTooManyRequests, "", "", limited),
		status(http.StatusBadGateway, "", "", "<html>bad gateway</html>"),
	}
	p, waits := newTestPurger(t, Config{Endpoint: f.endpoint(), Token: token})
	st, err := p.Purge(context.Background(), urlList(2))
	if err != nil {
		t.Fatal(err)
	}
	if st != (Stats{URLs: 2, Requests: 1, Retries: 4}) || f.hits != 5 {
		t.Errorf("stats %+v after %d requests", st, f.hits)
	}
	w := *waits
	if len(w) != 4 || w[0] != 7*time.Second {
		t.Fatalf("waits %v: want 4, the first Retry-After's 7s", w)
	}
	// Backoff doubles from firstBackoff (less up to a quarter of jitter).
	for i, d := range w[1:] {
		hi := firstBackoff << (i + 1)
		if d > hi || d < hi*3/4 {
			t.Errorf("wait %d = %v, want in [%v, %v]", i+1, d, hi*3/4, hi)
		}
	}
}

func TestPurgeGivesUpAfterMaxRetries(t *testing.T) {
	f := newFakeCloudflare(t)
	for range 3 {
		f.fail = append(f.fail, status(http.StatusServiceUnavailable, "", "", "down"))
	}
	p, _ := newTestPurger(t, Config{Endpoint: f.endpoint(), Token: token, MaxRetries: 2})
	st, err := p.Purge(context.Background(), urlList(1))
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusServiceUnavailable {
		t.Fatalf("err = %v, want a 503 APIError", err)
	}
	if f.hits != 3 || st.Retries != 2 || st.URLs != 0 {
		t.Errorf("%d requests, stats %+v: want 3 attempts", f.hits, st)
	}
}

func TestPurgeReportsCloudflareErrors(t *testing.T) {
	f := newFakeCloudflare(t)
	// Success false on a 200, with a message that echoes the token, as a
	// careless proxy might: neither the retry nor the token may follow.
	f.fail = []func(http.ResponseWriter){status(http.StatusOK, "", "",
		`{"success":false,"errors":[{"code":1012,"message":"Request must contain one of purge_everything, files, tags, hosts or prefixes"},{"code":9109,"message":"Invalid access token Bearer `+token+`"}],"messages":[],"result":null}`)}
	p, waits := newTestPurger(t, Config{Endpoint: f.endpoint(), Token: token, BatchSize: 1})
	st, err := p.Purge(context.Background(), urlList(3))
	if err == nil {
		t.Fatal("no error")
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || len(apiErr.Errors) != 2 || apiErr.Errors[0].Code != 1012 {
		t.Fatalf("err = %#v, want Cloudflare's two errors", err)
	}
	msg := err.Error()
	for _, want := range []string{"0 of 3 URLs purged", "code 1012", "Request must contain one of", "code 9109", "[token]"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, token) {
		t.Errorf("the token is in the error: %q", msg)
	}
	if f.hits != 1 || len(*waits) != 0 || st != (Stats{}) {
		t.Errorf("success:false was retried or counted: %d requests, stats %+v", f.hits, st)
	}
}

func TestPurgeStopsAtAFailedBatch(t *testing.T) {
	f := newFakeCloudflare(t)
	p, _ := newTestPurger(t, Config{Endpoint: f.endpoint(), Token: token, BatchSize: 2})
	// The first batch is accepted; the second is refused (403: not retried).
	f.fail = []func(http.ResponseWriter){nil, status(http.StatusForbidden, "", "",
		`{"success":false,"errors":[{"code":10000,"message":"Authentication error"}],"messages":[],"result":null}`)}
	st, err := p.Purge(context.Background(), urlList(5))
	if err == nil || !strings.Contains(err.Error(), "2 of 5 URLs purged") || !strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "Authentication error (code 10000)") {
		t.Fatalf("err = %v", err)
	}
	if st != (Stats{URLs: 2, Requests: 1}) || f.hits != 2 {
		t.Errorf("stats %+v after %d requests: want to stop at the refused batch", st, f.hits)
	}
}

func TestPurgeDeadlinePerRequest(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		n := hits
		mu.Unlock()
		if n == 1 {
			select { // hang until the client gives up
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		fmt.Fprint(w, `{"success":true,"errors":[],"messages":[],"result":{"id":"x"}}`)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	p, waits := newTestPurger(t, Config{Endpoint: srv.URL, Token: token, Timeout: 100 * time.Millisecond})
	st, err := p.Purge(context.Background(), urlList(1))
	if err != nil || st.Retries != 1 || len(*waits) != 1 {
		t.Errorf("Purge = %+v, %v after waits %v: want a timed-out attempt, then success", st, err, *waits)
	}
}

func TestPurgeContextCancelled(t *testing.T) {
	f := newFakeCloudflare(t)
	f.fail = []func(http.ResponseWriter){status(http.StatusServiceUnavailable, "", "", "")}
	p, err := New(Config{Endpoint: f.endpoint(), Token: token})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
	if _, err := p.Purge(ctx, urlList(1)); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "503") {
		t.Errorf("err = %v, want context.Canceled and the 503 it was waiting to retry", err)
	}
}

func TestPurgeTokenNotInTransportErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	endpoint := srv.URL + "/purge"
	srv.Close() // nothing listens: every attempt fails to connect
	p, _ := newTestPurger(t, Config{Endpoint: endpoint, Token: token, MaxRetries: 1})
	_, err := p.Purge(context.Background(), urlList(1))
	if err == nil || strings.Contains(err.Error(), token) {
		t.Errorf("err = %v", err)
	}
}

func TestNewRejects(t *testing.T) {
	for _, cfg := range []Config{
		{Endpoint: "", Token: token},
		{Endpoint: "api.cloudflare.com/client/v4/zones/z/purge_cache", Token: token},
		{Endpoint: "ftp://api.cloudflare.com/", Token: token},
		{Endpoint: "https://user:" + token + "@api.cloudflare.com/", Token: token},
		{Endpoint: "https://api.cloudflare.com/client/v4/zones/z/purge_cache"},
		{Endpoint: "https://api.cloudflare.com/client/v4/zones/z/purge_cache", Token: "a\nb"},
	} {
		_, err := New(cfg)
		if err == nil {
			t.Errorf("New(%q) accepted", cfg.Endpoint)
		} else if strings.Contains(err.Error(), token) {
			t.Errorf("New(%q): the token is in the error: %v", cfg.Endpoint, err)
		}
	}
}

func TestPurgeRejectsRelativeURLs(t *testing.T) {
	f := newFakeCloudflare(t)
	p, _ := newTestPurger(t, Config{Endpoint: f.endpoint(), Token: token})
	if _, err := p.Purge(context.Background(), []string{"https://shop.example/", "/s/shop/"}); err == nil || f.hits != 0 {
		t.Errorf("err = %v after %d requests: want an error before any request", err, f.hits)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for h, want := range map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		" 10 ":                          10 * time.Second,
		"-1":                            0,
		"soon":                          0,
		"3600":                          maxRetryAfter,
		"Wed, 25 Nov 2026 12:00:30 GMT": 30 * time.Second,
		"Wed, 25 Nov 2026 11:00:00 GMT": 0,
	} {
		if got := retryAfter(h, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", h, got, want)
		}
	}
}

func TestBackoffIsCapped(t *testing.T) {
	for attempt := range 100 {
		if d := backoff(attempt); d <= 0 || d > maxBackoff {
			t.Errorf("backoff(%d) = %v", attempt, d)
		}
	}
}
