// Package ai is WandStore's adapter to a language model: a client for any
// OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp's server and the
// hosted APIs all speak POST /v1/chat/completions and /v1/embeddings), the
// product embeddings kept by content hash, and the short line of copy shown
// above a recommendation list, generated per shopper segment within a time
// budget, cached and logged. It is off unless WANDSTORE_AI_ENDPOINT is set.
//
// The client is net/http and encoding/json: every call has a timeout, every
// answer body is read up to a bound, and every failure is a *Error naming
// what went wrong (a slow answer, a 429 or 5xx, a body that is not the
// expected JSON shape).
package ai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults.
const (
	DefaultTimeout = 30 * time.Second
	// MaxBody bounds an answer's body: a chat answer of a few hundred
	// tokens is a few KB; a batch of embeddings of 64 texts of 1,536
	// floats is about 2 MB of JSON.
	MaxBody = 8 << 20
)

// Client calls one OpenAI-compatible endpoint. Its zero value is not
// usable: make one with NewClient. Safe for concurrent use.
type Client struct {
	base       *url.URL // ".../v1"
	key        string
	model      string
	embedModel string
	http       *http.Client
	maxBody    int64
}

// Config is where the endpoint is and what to ask of it.
type Config struct {
	// Endpoint is the API's base URL, with or without its "/v1":
	// "http://127.0.0.1:11434" (Ollama), "https://api.openai.com/v1".
	Endpoint string
	// Model answers chat completions; EmbedModel computes embeddings
	// (default Model).
	Model, EmbedModel string
	// Key, when set, is sent as "Authorization: Bearer <key>".
	Key string
	// Timeout bounds each call (connection, request and the whole answer);
	// default DefaultTimeout. A context's deadline also applies.
	Timeout time.Duration
	// MaxBody bounds an answer's body; default MaxBody.
	MaxBody int64
	// HTTP, when set, sends the requests (its Timeout is left as it is).
	HTTP *http.Client
}

// Environment variables of ConfigFromEnv.
const (
	EnvEndpoint   = "WANDSTORE_AI_ENDPOINT"
	EnvModel      = "WANDSTORE_AI_MODEL"
	EnvEmbedModel = "WANDSTORE_AI_EMBED_MODEL"
	EnvKey        = "WANDSTORE_AI_KEY"
)

// ConfigFromEnv reads the Config from getenv; ok is false when no endpoint
// is set (the adapter is off). An endpoint without a model is an error.
func ConfigFromEnv(getenv func(string) string) (cfg Config, ok bool, err error) {
	cfg = Config{
		Endpoint:   strings.TrimSpace(getenv(EnvEndpoint)),
		Model:      strings.TrimSpace(getenv(EnvModel)),
		EmbedModel: strings.TrimSpace(getenv(EnvEmbedModel)),
		Key:        strings.TrimSpace(getenv(EnvKey)),
	}
	if cfg.Endpoint == "" {
		return Config{}, false, nil
	}
	if cfg.Model == "" {
		return Config{}, false, fmt.Errorf("ai: %s is set but %s is not", EnvEndpoint, EnvModel)
	}
	return cfg, true, nil
}

// NewClient checks cfg and returns a Client.
func NewClient(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(cfg.Endpoint))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("ai: endpoint %q is not an http(s) URL", cfg.Endpoint)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("ai: endpoint %q has a query or fragment", cfg.Endpoint)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	if !strings.HasSuffix(u.Path, "/v1") {
		u.Path += "/v1"
	}
	if cfg.Model == "" {
		return nil, errors.New("ai: no model")
	}
	if cfg.EmbedModel == "" {
		cfg.EmbedModel = cfg.Model
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = MaxBody
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: cfg.Timeout}
	}
	return &Client{base: u, key: cfg.Key, model: cfg.Model, embedModel: cfg.EmbedModel, http: hc, maxBody: cfg.MaxBody}, nil
}

// Model is the chat model's name; EmbedModel the embedding model's.
func (c *Client) Model() string      { return c.model }
func (c *Client) EmbedModel() string { return c.embedModel }

// Error is a failed call: Kind says how, Status is the HTTP status (0 when
// there was no answer), Message the API's own error message when it sent
// one (an OpenAI error body: {"error": {"message", "type", "code"}}).
type Error struct {
	Op      string // "chat", "embeddings"
	Kind    Kind
	Status  int
	Message string
	// RetryAfter is the 429 or 503 answer's Retry-After, when it had one.
	RetryAfter time.Duration
	Err        error // the underlying error, if any
}

// Kind classifies an Error.
type Kind string

const (
	KindTimeout     Kind = "timeout"      // no answer within the timeout or the context's deadline
	KindUnreachable Kind = "unreachable"  // the connection failed
	KindRateLimited Kind = "rate limited" // 429
	KindServer      Kind = "server error" // 5xx
	KindRejected    Kind = "rejected"     // another 4xx: a bad key, an unknown model, a bad request
	KindMalformed   Kind = "malformed"    // 2xx but not the expected JSON shape, or too large
)

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ai: %s: %s", e.Op, e.Kind)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Temporary reports whether trying again later may succeed (a timeout, a
// failed connection, a 429 or a 5xx).
func (e *Error) Temporary() bool {
	switch e.Kind {
	case KindTimeout, KindUnreachable, KindRateLimited, KindServer:
		return true
	}
	return false
}

// Usage is what a call cost in tokens, as the endpoint counted it.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// Message is one chat message.
type Message struct {
	Role    string `json:"role"` // "system", "user", "assistant"
	Content string `json:"content"`
}

// ChatRequest is a chat completion's request body.
type ChatRequest struct {
	Model       string    `json:"model"`
	Messages    []Message `json:"messages"`
	MaxTokens   int       `json:"max_tokens,omitempty"`
	Temperature *float64  `json:"temperature,omitempty"`
}

// Chat is a chat completion's answer: the first choice's text.
type Chat struct {
	Text         string
	FinishReason string
	Model        string // as the endpoint names it
	Usage        Usage
}

type chatResponse struct {
	Model   string `json:"model"`
	Choices []struct {
		Index   int `json:"index"`
		Message *struct {
			Role    string  `json:"role"`
			Content *string `json:"content"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage Usage `json:"usage"`
}

// Chat asks the chat model to complete messages (the client's Model when
// req.Model is empty).
func (c *Client) Chat(ctx context.Context, req ChatRequest) (Chat, error) {
	if req.Model == "" {
		req.Model = c.model
	}
	if len(req.Messages) == 0 {
		return Chat{}, &Error{Op: "chat", Kind: KindRejected, Message: "no messages"}
	}
	var r chatResponse
	if err := c.post(ctx, "chat", "/chat/completions", req, &r); err != nil {
		return Chat{}, err
	}
	if len(r.Choices) == 0 || r.Choices[0].Message == nil || r.Choices[0].Message.Content == nil {
		return Chat{}, &Error{Op: "chat", Kind: KindMalformed, Status: http.StatusOK, Message: "no choices[0].message.content in the answer"}
	}
	return Chat{Text: *r.Choices[0].Message.Content, FinishReason: r.Choices[0].FinishReason, Model: r.Model, Usage: r.Usage}, nil
}

// EmbedRequest is an embeddings request body.
type EmbedRequest struct {
	Model          string   `json:"model"`
	Input          []string `json:"input"`
	EncodingFormat string   `json:"encoding_format,omitempty"`
}

// Embeddings is an embeddings answer: one vector per input, in order.
type Embeddings struct {
	Vectors [][]float32
	Model   string
	Usage   Usage
}

type embedResponse struct {
	Object string `json:"object"`
	Data   []struct {
		Index     *int      `json:"index"`
		Embedding []float32 `json:"embedding"`
	} `json:"data"`
	Model string `json:"model"`
	Usage Usage  `json:"usage"`
}

// Embed computes the embeddings of inputs with the embedding model. Every
// input gets a vector of one length, or the call fails as malformed.
func (c *Client) Embed(ctx context.Context, inputs []string) (Embeddings, error) {
	if len(inputs) == 0 {
		return Embeddings{}, nil
	}
	var r embedResponse
	req := EmbedRequest{Model: c.embedModel, Input: inputs, EncodingFormat: "float"}
	if err := c.post(ctx, "embeddings", "/embeddings", req, &r); err != nil {
		return Embeddings{}, err
	}
	bad := func(format string, args ...any) error {
		return &Error{Op: "embeddings", Kind: KindMalformed, Status: http.StatusOK, Message: fmt.Sprintf(format, args...)}
	}
	if len(r.Data) != len(inputs) {
		return Embeddings{}, bad("%d embeddings for %d inputs", len(r.Data), len(inputs))
	}
	out := make([][]float32, len(inputs))
	dim := -1
	for i, d := range r.Data {
		at := i
		if d.Index != nil {
			at = *d.Index
		}
		if at < 0 || at >= len(out) || out[at] != nil {
			return Embeddings{}, bad("data[%d] has index %d", i, at)
		}
		if len(d.Embedding) == 0 || (dim >= 0 && len(d.Embedding) != dim) {
			return Embeddings{}, bad("data[%d] has %d dimensions", i, len(d.Embedding))
		}
		dim = len(d.Embedding)
		out[at] = d.Embedding
	}
	return Embeddings{Vectors: out, Model: r.Model, Usage: r.Usage}, nil
}

// post sends body as JSON to path and decodes a 2xx answer into out.
func (c *Client) post(ctx context.Context, op, path string, body, out any) error {
	buf, err := json.Marshal(body)
	if err != nil {
		return &Error{Op: op, Kind: KindRejected, Err: err}
	}
	u := *c.base
	u.Path += path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(buf))
	if err != nil {
		return &Error{Op: op, Kind: KindRejected, Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &Error{Op: op, Kind: transportKind(ctx, err), Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return &Error{Op: op, Kind: transportKind(ctx, err), Status: resp.StatusCode, Err: err}
	}
	if resp.StatusCode/100 != 2 {
		e := &Error{Op: op, Status: resp.StatusCode, Message: apiMessage(data)}
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			e.Kind = KindRateLimited
		case resp.StatusCode >= 500:
			e.Kind = KindServer
		default:
			e.Kind = KindRejected
		}
		if s := resp.Header.Get("Retry-After"); s != "" {
			if n, err := time.ParseDuration(s + "s"); err == nil && n >= 0 {
				e.RetryAfter = n
			}
		}
		return e
	}
	if int64(len(data)) > c.maxBody {
		return &Error{Op: op, Kind: KindMalformed, Status: resp.StatusCode, Message: fmt.Sprintf("answer larger than %d bytes", c.maxBody)}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &Error{Op: op, Kind: KindMalformed, Status: resp.StatusCode, Err: err}
	}
	return nil
}

// transportKind tells a timeout from a failed connection.
func transportKind(ctx context.Context, err error) Kind {
	var ne interface{ Timeout() bool }
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil || (errors.As(err, &ne) && ne.Timeout()) {
		return KindTimeout
	}
	return KindUnreachable
}

// apiMessage is the message of an OpenAI error body, or the start of the
// body when it is not one (an HTML page from a proxy, plain text).
func apiMessage(data []byte) string {
	var e struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(data, &e) == nil && len(e.Error) > 0 {
		var obj struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(e.Error, &obj) == nil && obj.Message != "" {
			return clip(obj.Message, 300)
		}
		var s string
		if json.Unmarshal(e.Error, &s) == nil && s != "" { // Ollama: {"error": "..."}
			return clip(s, 300)
		}
	}
	return clip(strings.TrimSpace(string(data)), 200)
}

// clip cuts s to at most n bytes at a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
