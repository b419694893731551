// Package shopify reads a shop's catalog from Shopify's Storefront API
// (GraphQL over HTTP, standard library only) and hands carts over to
// Shopify's checkout through the Cart API.
//
// A Client sends one GraphQL operation per call to the versioned endpoint
// https://<shop>.myshopify.com/api/<version>/graphql.json. Every call takes
// a context and is bounded by Config.Timeout per attempt (and by the
// context's own deadline overall). Throttling (429, 430, a GraphQL error
// with extensions.code "THROTTLED"), server errors (5xx) and timeouts are
// retried with exponential backoff and jitter, honouring Retry-After; other
// 4xx answers are not. Tokens are sent as headers and never appear in an
// error.
//
// It also holds the one model of Shopify's REST shape of products and
// collections (RESTProduct, RESTCollection: what webhooks and products.json
// send) and maps it into the catalog by the same rules as the Storefront
// API's answers (ProductFromREST, CollectionFromREST).
//
// The rest of the Shopify wing lives beneath it: shopify/webhook (the
// webhooks' receiver, durable queue and versions), shopify/checkout (the
// islands server's handoff to Shopify's checkout), shopify/productsjson and
// shopify/productcsv (Shopify's exports), and shopify/shopifytest (a
// stand-in shop for tests).
package shopify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/wandstore/wandstore/internal/retry"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Defaults for Config.
const (
	DefaultAPIVersion = "2025-01"
	DefaultTimeout    = 20 * time.Second
	DefaultMaxRetries = 4
)

// maxRetryAfter is the longest Retry-After waited for; a longer one fails
// the call at once.
const maxRetryAfter = time.Minute

// maxBody bounds a response body; a catalog page of 250 products with
// their variants stays well under it.
const maxBody = 64 << 20

// Header names Shopify's Storefront API reads.
const (
	headerPublicToken  = "X-Shopify-Storefront-Access-Token"
	headerPrivateToken = "Shopify-Storefront-Private-Token"
	headerBuyerIP      = "Shopify-Storefront-Buyer-IP"
)

// Config says which shop to talk to and how.
type Config struct {
	// Shop is the shop's name ("my-shop", meaning my-shop.myshopify.com)
	// or its full domain ("shop.example.com").
	Shop string
	// Endpoint replaces "https://<shop>" as the base URL (tests point it at
	// a shopifytest server); the /api/<version>/graphql.json path is added.
	Endpoint string
	// APIVersion is the Storefront API version; default DefaultAPIVersion.
	APIVersion string
	// PrivateToken is a delegate access token for server-side use, sent as
	// Shopify-Storefront-Private-Token. Read it from the environment; it is
	// never logged nor put in an error. It wins over PublicToken.
	PrivateToken string
	// PublicToken is sent as X-Shopify-Storefront-Access-Token.
	PublicToken string
	// HTTP is the client used; default a new one (no client-wide timeout:
	// Timeout bounds each attempt).
	HTTP *http.Client
	// Timeout bounds each attempt; default DefaultTimeout.
	Timeout time.Duration
	// MaxRetries is how many times a retryable failure is retried; 0 means
	// DefaultMaxRetries, negative means never.
	MaxRetries int
	// Backoff is the wait before retry attempt (1, 2, ...), before any
	// Retry-After is applied; default exponential from 250 ms, capped at
	// 10 s, with full jitter.
	Backoff func(attempt int) time.Duration
}

// Client calls one shop's Storefront API. It is safe for concurrent use.
type Client struct {
	url     string
	cfg     Config
	http    *http.Client
	retries int
}

// New returns a Client. It fails when neither Shop nor Endpoint is set.
func New(cfg Config) (*Client, error) {
	base := strings.TrimRight(cfg.Endpoint, "/")
	if base == "" {
		shop := strings.TrimSpace(cfg.Shop)
		shop = strings.TrimPrefix(strings.TrimPrefix(shop, "https://"), "http://")
		shop = strings.TrimRight(shop, "/")
		if shop == "" {
			return nil, errors.New("shopify: Config.Shop or Config.Endpoint is required")
		}
		if !strings.Contains(shop, ".") {
			shop += ".myshopify.com"
		}
		base = "https://" + shop
	}
	if cfg.APIVersion == "" {
		cfg.APIVersion = DefaultAPIVersion
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Backoff == nil {
		cfg.Backoff = defaultBackoff
	}
	c := &Client{url: base + "/api/" + cfg.APIVersion + "/graphql.json", cfg: cfg, http: cfg.HTTP, retries: cfg.MaxRetries}
	if c.http == nil {
		c.http = &http.Client{}
	}
	switch {
	case c.retries == 0:
		c.retries = DefaultMaxRetries
	case c.retries < 0:
		c.retries = 0
	}
	return c, nil
}

// URL is the GraphQL endpoint the client posts to.
func (c *Client) URL() string { return c.url }

func defaultBackoff(attempt int) time.Duration {
	return retry.Exponential(attempt, 250*time.Millisecond, 10*time.Second, 0.5) // between half and the whole
}

type buyerIPKey struct{}

// WithBuyerIP returns a context whose calls pass ip to Shopify as
// Shopify-Storefront-Buyer-IP, so Shopify throttles per shopper rather than
// per server (it applies with a private token).
func WithBuyerIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, buyerIPKey{}, ip)
}

func buyerIP(ctx context.Context) string {
	ip, _ := ctx.Value(buyerIPKey{}).(string)
	return ip
}

// Errors a call can return (wrapped; test with errors.Is / errors.As).
var (
	// ErrThrottled is wrapped by the error of a call still throttled when
	// its retries ran out.
	ErrThrottled = errors.New("shopify: throttled")
	// ErrUnauthorized is wrapped for 401 and 403: a missing, wrong or
	// under-scoped token. Not retried.
	ErrUnauthorized = errors.New("shopify: unauthorized")
)

// StatusError is an HTTP answer other than 200.
type StatusError struct {
	Op         string // the GraphQL operation
	StatusCode int
	Body       string // the start of the body, for the message
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("shopify %s: HTTP %d", e.Op, e.StatusCode)
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Is makes a 401/403 match ErrUnauthorized and a 429/430 ErrThrottled.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
	case ErrThrottled:
		return e.StatusCode == http.StatusTooManyRequests || e.StatusCode == 430
	}
	return false
}

// GraphQLError is one entry of a response's "errors".
type GraphQLError struct {
	Message    string `json:"message"`
	Path       []any  `json:"path,omitempty"`
	Extensions struct {
		Code string `json:"code,omitempty"`
	} `json:"extensions"`
}

// GraphQLErrors is a response's "errors": Shopify answered 200 but refused
// or failed (part of) the operation.
type GraphQLErrors struct {
	Op     string
	Errors []GraphQLError
}

func (e *GraphQLErrors) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, g := range e.Errors {
		msgs[i] = g.Message
		if g.Extensions.Code != "" {
			msgs[i] += " (" + g.Extensions.Code + ")"
		}
	}
	return fmt.Sprintf("shopify %s: %s", e.Op, strings.Join(msgs, "; "))
}

// Is makes a THROTTLED error match ErrThrottled and an ACCESS_DENIED or
// UNAUTHORIZED one ErrUnauthorized.
func (e *GraphQLErrors) Is(target error) bool {
	for _, g := range e.Errors {
		switch {
		case target == ErrThrottled && g.Extensions.Code == "THROTTLED":
			return true
		case target == ErrUnauthorized && (g.Extensions.Code == "ACCESS_DENIED" || g.Extensions.Code == "UNAUTHORIZED"):
			return true
		}
	}
	return false
}

type request struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables,omitempty"`
}

type envelope struct {
	Data   json.RawMessage `json:"data"`
	Errors []GraphQLError  `json:"errors"`
}

// Do sends one GraphQL operation named op (the name in query) and decodes
// its "data" into out. It retries as the package doc says, except that a
// mutation, which may have been applied when an answer is lost, is retried
// only when throttled (Shopify refuses those before running them). It
// returns a *StatusError, a *GraphQLErrors, a network error, or the
// context's error.
func (c *Client) Do(ctx context.Context, op, query string, vars map[string]any, out any) error {
	return c.do(ctx, op, query, vars, out, !strings.HasPrefix(strings.TrimSpace(query), "mutation"))
}

// do is Do; repeatable says a lost answer may be asked again.
func (c *Client) do(ctx context.Context, op, query string, vars map[string]any, out any, repeatable bool) error {
	body, err := json.Marshal(request{Query: query, OperationName: op, Variables: vars})
	if err != nil {
		return fmt.Errorf("shopify %s: %w", op, err)
	}
	for attempt := 0; ; attempt++ {
		data, retryAfter, err := c.attempt(ctx, op, body)
		if err == nil {
			if out == nil {
				return nil
			}
			if err := json.Unmarshal(data, out); err != nil {
				return c.redact(fmt.Errorf("shopify %s: decode data: %w", op, err))
			}
			return nil
		}
		if attempt >= c.retries || !retryable(ctx, err) || (!repeatable && !errors.Is(err, ErrThrottled)) {
			return c.redact(err)
		}
		if retryAfter > maxRetryAfter {
			return c.redact(err) // Shopify asks for longer than a caller should hang
		}
		wait := max(c.cfg.Backoff(attempt+1), retryAfter)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return c.redact(err) // the wait would outlive the caller
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return c.redact(fmt.Errorf("%w (after %v)", ctx.Err(), err))
		case <-t.C:
		}
	}
}

// attempt sends body once, bounded by Timeout.
func (c *Client) attempt(ctx context.Context, op string, body []byte) (json.RawMessage, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, 0, fmt.Errorf("shopify %s: %w", op, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	switch {
	case c.cfg.PrivateToken != "":
		req.Header.Set(headerPrivateToken, c.cfg.PrivateToken)
	case c.cfg.PublicToken != "":
		req.Header.Set(headerPublicToken, c.cfg.PublicToken)
	}
	if ip := buyerIP(ctx); ip != "" {
		req.Header.Set(headerBuyerIP, ip)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("shopify %s: %w", op, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, 0, fmt.Errorf("shopify %s: read answer: %w", op, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, retryAfter(resp.Header.Get("Retry-After")), &StatusError{Op: op, StatusCode: resp.StatusCode, Body: snippet(raw)}
	}
	if len(raw) > maxBody {
		return nil, 0, fmt.Errorf("shopify %s: answer larger than %d bytes", op, maxBody)
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, 0, fmt.Errorf("shopify %s: answer is not GraphQL JSON: %w", op, err)
	}
	if len(env.Errors) > 0 {
		// Partial data is not used: a catalog or cart half read is wrong.
		return nil, retryAfter(resp.Header.Get("Retry-After")), &GraphQLErrors{Op: op, Errors: env.Errors}
	}
	if len(env.Data) == 0 || string(env.Data) == "null" {
		return nil, 0, fmt.Errorf("shopify %s: answer without data", op)
	}
	return env.Data, 0, nil
}

// retryable says whether err may pass on a second try: throttling, server
// errors, timeouts and broken connections, but not the caller giving up.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if errors.Is(err, ErrThrottled) {
		return true
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.StatusCode >= 500
	}
	var ge *GraphQLErrors
	if errors.As(err, &ge) {
		for _, g := range ge.Errors {
			if g.Extensions.Code == "INTERNAL_SERVER_ERROR" {
				return true
			}
		}
		return false
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return true // the attempt's own timeout: the caller's context is still live
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || isConnError(err)
}

func isConnError(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe)
}

// retryAfter reads Retry-After as seconds or an HTTP date; 0 when absent.
func retryAfter(v string) time.Duration { return retry.After(v, time.Now()) }

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// redact keeps the tokens out of an error's text, whatever a server or a
// transport put there.
func (c *Client) redact(err error) error {
	msg := err.Error()
	clean := msg
	for _, tok := range []string{c.cfg.PrivateToken, c.cfg.PublicToken} {
		if tok != "" {
			clean = strings.ReplaceAll(clean, tok, "[redacted]")
		}
	}
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
