// Package cdnpurge tells a CDN to drop its copies of the URLs a build
// changed or removed. It speaks Cloudflare's purge-by-URL API
// (POST /client/v4/zones/<zone>/purge_cache with {"files": [...]}), which
// other purge endpoints can imitate.
package cdnpurge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/wandstore/wandstore/internal/retry"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// DefaultBatchSize is the most URLs one request carries unless
// Config.BatchSize says otherwise: Cloudflare documents at most 100 URLs
// per purge request on the Free, Pro and Business plans (500 on
// Enterprise). Fewer, larger requests matter: the Free plan allows five
// purge requests a minute. An endpoint with a lower limit (Cloudflare's
// used to be 30) needs a smaller BatchSize.
const DefaultBatchSize = 100

// DefaultTimeout bounds one HTTP request (not a whole Purge) unless
// Config.Timeout says otherwise.
const DefaultTimeout = 30 * time.Second

// DefaultMaxRetries is how often a batch is retried after a 429, a 5xx or a
// network error unless Config.MaxRetries says otherwise.
const DefaultMaxRetries = 4

const (
	firstBackoff = 500 * time.Millisecond
	maxBackoff   = 30 * time.Second
	// maxRetryAfter caps a server's Retry-After: Cloudflare's free plan
	// refills its purge bucket at five requests a minute.
	maxRetryAfter = 2 * time.Minute
	maxBody       = 1 << 20
)

// Config says where to send purges and how.
type Config struct {
	// Endpoint is the purge URL, e.g.
	// https://api.cloudflare.com/client/v4/zones/<zone_id>/purge_cache.
	// Required; http(s), without credentials in it.
	Endpoint string
	// Token is sent as "Authorization: Bearer <Token>". Required. It
	// appears in no error or log line.
	Token string
	// BatchSize is the most URLs per request; default DefaultBatchSize.
	BatchSize int
	// HTTP sends the requests; default a client of its own.
	HTTP *http.Client
	// Timeout bounds each request (each attempt); default DefaultTimeout.
	Timeout time.Duration
	// MaxRetries is how often a batch is retried; 0 means
	// DefaultMaxRetries, a negative number none.
	MaxRetries int
}

// Stats counts what a Purge did.
type Stats struct {
	URLs     int // URLs the endpoint accepted
	Requests int // purge requests the endpoint accepted (one per batch)
	Retries  int // attempts repeated after a 429, a 5xx or a network error
}

// Purger sends purge requests. It is safe for concurrent use.
type Purger struct {
	endpoint string
	token    string
	batch    int
	client   *http.Client
	timeout  time.Duration
	retries  int
	// sleep waits between attempts; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

// New checks cfg and returns a Purger. It returns an error if the endpoint
// is not an absolute http(s) URL, holds credentials, or the token is empty.
func New(cfg Config) (*Purger, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// Not echoed: a mistyped endpoint may hold a secret.
		return nil, errors.New("cdnpurge: the endpoint must be an absolute http(s) URL")
	}
	if u.User != nil {
		return nil, errors.New("cdnpurge: credentials do not belong in the endpoint URL; give a token")
	}
	if cfg.Token == "" {
		return nil, errors.New("cdnpurge: no token")
	}
	if strings.ContainsAny(cfg.Token, "\r\n") {
		return nil, errors.New("cdnpurge: the token holds a line break")
	}
	p := &Purger{endpoint: u.String(), token: cfg.Token, batch: cfg.BatchSize, client: cfg.HTTP,
		timeout: cfg.Timeout, retries: cfg.MaxRetries, sleep: sleepCtx}
	if p.batch <= 0 {
		p.batch = DefaultBatchSize
	}
	if p.client == nil {
		p.client = &http.Client{}
	}
	if p.timeout <= 0 {
		p.timeout = DefaultTimeout
	}
	switch {
	case p.retries == 0:
		p.retries = DefaultMaxRetries
	case p.retries < 0:
		p.retries = 0
	}
	return p, nil
}

// Endpoint is the purge URL, for messages (it holds no secret).
func (p *Purger) Endpoint() string { return p.endpoint }

// Purge asks the endpoint to drop urls, deduplicated, in batches of at most
// BatchSize, one batch after the other. Each must be an absolute http(s)
// URL; none is sent otherwise. A batch answered with 429 (after its
// Retry-After), 5xx or a network error is retried with capped exponential
// backoff. Purge stops at the first batch that fails for good and returns
// what was done so far with an error: an *APIError when the endpoint
// answered, else the transport's or ctx's error. The token is in no error.
func (p *Purger) Purge(ctx context.Context, urls []string) (Stats, error) {
	var st Stats
	files, err := dedupe(urls)
	if err != nil {
		return st, err
	}
	for batch := range slices.Chunk(files, p.batch) {
		retries, err := p.send(ctx, batch)
		st.Retries += retries
		if err != nil {
			return st, fmt.Errorf("cdnpurge: %d of %d URLs purged: %w", st.URLs, len(files), err)
		}
		st.URLs += len(batch)
		st.Requests++
	}
	return st, nil
}

// dedupe drops repeated URLs, keeping the first, and checks each is absolute.
func dedupe(urls []string) ([]string, error) {
	seen := make(map[string]bool, len(urls))
	out := make([]string, 0, len(urls))
	for _, s := range urls {
		if seen[s] {
			continue
		}
		seen[s] = true
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("cdnpurge: %q is not an absolute http(s) URL", s)
		}
		out = append(out, s)
	}
	return out, nil
}

// APIError is a purge request the endpoint refused: its HTTP status and,
// when the answer had them, Cloudflare's errors.
type APIError struct {
	Status int
	Errors []Message
}

// Message is one entry of a Cloudflare answer's errors or messages.
type Message struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the endpoint answered %d %s", e.Status, http.StatusText(e.Status))
	if len(e.Errors) == 0 {
		return b.String()
	}
	b.WriteString(":")
	for i, m := range e.Errors {
		if i > 0 {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, " %s (code %d)", m.Message, m.Code)
	}
	return b.String()
}

// answer is the part of Cloudflare's envelope
// ({"success", "errors", "messages", "result"}) a purge needs.
type answer struct {
	Success *bool     `json:"success"`
	Errors  []Message `json:"errors"`
}

// send posts one batch until it is accepted, refused, or out of retries.
// It returns how many attempts were repeats.
func (p *Purger) send(ctx context.Context, files []string) (int, error) {
	body, err := json.Marshal(struct {
		Files []string `json:"files"`
	}{files})
	if err != nil {
		return 0, err
	}
	for attempt := 0; ; attempt++ {
		wait, err := p.attempt(ctx, body)
		if err == nil {
			return attempt, nil
		}
		if wait < 0 || attempt >= p.retries || ctx.Err() != nil {
			return attempt, err
		}
		if wait == 0 {
			wait = backoff(attempt)
		}
		if serr := p.sleep(ctx, wait); serr != nil {
			return attempt, fmt.Errorf("%w (while waiting to retry after: %v)", serr, err)
		}
	}
}

// attempt makes one request. On failure, wait says whether to retry: -1
// never, 0 after the usual backoff, more after that long (Retry-After).
func (p *Purger) attempt(ctx context.Context, body []byte) (wait time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint, bytes.NewReader(body))
	if err != nil {
		return -1, err
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, err // the network, or this attempt's deadline: try again
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return 0, fmt.Errorf("reading the answer: %w", err)
	}
	var a answer
	jsonErr := json.Unmarshal(data, &a)
	for i := range a.Errors {
		a.Errors[i].Message = p.redact(a.Errors[i].Message)
	}
	apiErr := &APIError{Status: resp.StatusCode, Errors: a.Errors}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return retryAfter(resp.Header.Get("Retry-After"), time.Now()), apiErr
	case resp.StatusCode >= 500:
		return 0, apiErr
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return -1, apiErr
	case jsonErr != nil || a.Success == nil:
		return -1, fmt.Errorf("the endpoint answered %d without Cloudflare's {\"success\": ...}", resp.StatusCode)
	case !*a.Success:
		return -1, apiErr
	}
	return 0, nil
}

// retryAfter reads a Retry-After header (seconds or an HTTP date), capped;
// 0 if it is absent or unreadable.
func retryAfter(h string, now time.Time) time.Duration {
	return min(retry.After(h, now), maxRetryAfter)
}

// backoff is the wait before retry attempt+1: doubling from firstBackoff,
// capped at maxBackoff, with up to a quarter of jitter so that builds
// retrying at once do not retry in step.
func backoff(attempt int) time.Duration {
	return retry.Exponential(attempt+1, firstBackoff, maxBackoff, 0.25)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// redact removes the token from an endpoint's message, in case it or a
// proxy echoes the request's headers back.
func (p *Purger) redact(s string) string {
	return strings.ReplaceAll(s, p.token, "[token]")
}
