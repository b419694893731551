// Package aitest is an in-process stand-in for an OpenAI-compatible
// endpoint, for tests: it listens on 127.0.0.1 and answers
// POST /v1/chat/completions and POST /v1/embeddings in their JSON shapes
// (with usage tokens), and can be told to answer slowly, fail (any status,
// with an OpenAI error body), send malformed JSON or a body of the wrong
// shape. It counts calls and embedded texts, so tests can tell what was
// asked.
package aitest

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"
)

// Fault is how the server misbehaves on a call.
type Fault int

const (
	OK         Fault = iota // a well-formed answer
	Status                  // the Server's FailStatus with an error body
	Malformed               // "{not json"
	WrongShape              // valid JSON of another shape
	Hang                    // never answers (until the client gives up)
)

// Server is the stand-in. Set its fields before the calls they affect;
// they are read under its lock.
type Server struct {
	URL string // "http://127.0.0.1:port" (the client adds /v1)

	mu sync.Mutex
	// Latency delays every answer.
	latency time.Duration
	// faults are consumed one per call, then Default applies.
	faults       []Fault
	defaultFault Fault
	failStatus   int
	// Reply makes a chat answer from the request's messages; default
	// "Picked for you".
	reply func(msgs []Message) string
	// Dim is the embeddings' length (default 64).
	dim int

	chats, embeds, texts atomic.Int64
	lastChat             atomic.Pointer[[]Message]

	srv  *http.Server
	ln   net.Listener
	hang chan struct{}
}

// Message is a chat message as received.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// New starts a Server on 127.0.0.1 and stops it when t ends.
func New(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), ln: ln, dim: 64, failStatus: http.StatusInternalServerError, hang: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.chat)
	mux.HandleFunc("POST /v1/embeddings", s.embeddings)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(s.Close)
	return s
}

// Close stops the server (hanging calls are released).
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.hang:
	default:
		close(s.hang)
	}
	s.mu.Unlock()
	_ = s.srv.Close()
}

// SetLatency delays every answer by d.
func (s *Server) SetLatency(d time.Duration) { s.mu.Lock(); s.latency = d; s.mu.Unlock() }

// Fail queues faults for the next calls, one each; FailAlways sets what
// every call after them does; FailStatus the status of Status faults.
func (s *Server) Fail(f ...Fault)                   { s.mu.Lock(); s.faults = append(s.faults, f...); s.mu.Unlock() }
func (s *Server) FailAlways(f Fault)                { s.mu.Lock(); s.defaultFault = f; s.mu.Unlock() }
func (s *Server) SetFailStatus(code int)            { s.mu.Lock(); s.failStatus = code; s.mu.Unlock() }
func (s *Server) SetDim(n int)                      { s.mu.Lock(); s.dim = n; s.mu.Unlock() }
func (s *Server) SetReply(f func([]Message) string) { s.mu.Lock(); s.reply = f; s.mu.Unlock() }

// Chats and Embeds count the calls answered (any outcome); Texts counts
// the texts embedded by successful embeddings calls.
func (s *Server) Chats() int64  { return s.chats.Load() }
func (s *Server) Embeds() int64 { return s.embeds.Load() }
func (s *Server) Texts() int64  { return s.texts.Load() }

// LastChat is the messages of the last chat request.
func (s *Server) LastChat() []Message {
	if p := s.lastChat.Load(); p != nil {
		return *p
	}
	return nil
}

// next takes the call's fault and settings.
func (s *Server) next() (Fault, time.Duration, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.defaultFault
	if len(s.faults) > 0 {
		f, s.faults = s.faults[0], s.faults[1:]
	}
	return f, s.latency, s.failStatus
}

// misbehave writes the fault's answer after the latency; it reports
// whether it answered (true unless the fault is OK).
func (s *Server) misbehave(w http.ResponseWriter, r *http.Request, f Fault, lat time.Duration, status int, wrong string) bool {
	if lat > 0 {
		select {
		case <-time.After(lat):
		case <-r.Context().Done():
			return true
		case <-s.hang:
			return true
		}
	}
	switch f {
	case Status:
		w.Header().Set("Content-Type", "application/json")
		if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "2")
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":{"message":"stand-in failure %d","type":"server_error","param":null,"code":null}}`, status)
	case Malformed:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id": "x", "choices": [`))
	case WrongShape:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(wrong))
	case Hang:
		select {
		case <-r.Context().Done():
		case <-s.hang:
		}
	default:
		return false
	}
	return true
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	s.chats.Add(1)
	f, lat, status := s.next()
	var req struct {
		Model    string    `json:"model"`
		Messages []Message `json:"messages"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil || req.Model == "" || len(req.Messages) == 0 {
		writeErr(w, http.StatusBadRequest, "invalid_request_error", "a model and messages are required")
		return
	}
	s.lastChat.Store(&req.Messages)
	if s.misbehave(w, r, f, lat, status, `{"object":"chat.completion","choices":[{"index":0,"text":"legacy"}]}`) {
		return
	}
	s.mu.Lock()
	reply := s.reply
	s.mu.Unlock()
	text := "Picked for you"
	if reply != nil {
		text = reply(req.Messages)
	}
	prompt := 0
	for _, m := range req.Messages {
		prompt += tokens(m.Content)
	}
	out := map[string]any{
		"id": "chatcmpl-standin", "object": "chat.completion", "created": time.Now().Unix(), "model": req.Model,
		"choices": []any{map[string]any{
			"index": 0, "message": map[string]any{"role": "assistant", "content": text}, "finish_reason": "stop",
		}},
		"usage": map[string]int{"prompt_tokens": prompt, "completion_tokens": tokens(text), "total_tokens": prompt + tokens(text)},
	}
	writeJSON(w, out)
}

func (s *Server) embeddings(w http.ResponseWriter, r *http.Request) {
	s.embeds.Add(1)
	f, lat, status := s.next()
	var req struct {
		Model string          `json:"model"`
		Input json.RawMessage `json:"input"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20)).Decode(&req); err != nil || req.Model == "" {
		writeErr(w, http.StatusBadRequest, "invalid_request_error", "a model and input are required")
		return
	}
	var inputs []string
	if err := json.Unmarshal(req.Input, &inputs); err != nil {
		var one string
		if err := json.Unmarshal(req.Input, &one); err != nil {
			writeErr(w, http.StatusBadRequest, "invalid_request_error", "input must be a string or an array of strings")
			return
		}
		inputs = []string{one}
	}
	if s.misbehave(w, r, f, lat, status, `{"object":"list","data":[{"object":"embedding","index":0,"embedding":"not numbers"}]}`) {
		return
	}
	s.texts.Add(int64(len(inputs)))
	s.mu.Lock()
	dim := s.dim
	s.mu.Unlock()
	data := make([]any, len(inputs))
	total := 0
	for i, in := range inputs {
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": Vector(in, dim)}
		total += tokens(in)
	}
	writeJSON(w, map[string]any{
		"object": "list", "data": data, "model": req.Model,
		"usage": map[string]int{"prompt_tokens": total, "total_tokens": total},
	})
}

// Vector is the stand-in's embedding of text: its words hashed into dim
// buckets, normalised, so texts sharing words are near each other.
func Vector(text string, dim int) []float32 {
	v := make([]float32, dim)
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		h := fnv.New32a()
		h.Write([]byte(w))
		v[h.Sum32()%uint32(dim)]++
	}
	var n float64
	for _, x := range v {
		n += float64(x * x)
	}
	if n > 0 {
		n = math.Sqrt(n)
		for i := range v {
			v[i] = float32(float64(v[i]) / n)
		}
	}
	return v
}

func tokens(s string) int { return len(strings.Fields(s)) + 1 }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": nil}})
}
