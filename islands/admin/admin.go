// Package admin is the operator's dashboard, at /admin/ on the islands
// server: what the server (every member of its cluster) did in the last
// hour or day, per store or for all, read from what package ops recorded
// in the database, and the orders and carts from the shopper store. It
// answers only to the admin token, sent as a bearer token or entered once
// into its login form (a signed, HttpOnly, SameSite=Strict cookie);
// failures are rate limited per client, and nothing it answers is cached.
// Its plots are SVG drawn on the server (ops/plot): no script at all.
package admin

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"github.com/wandstore/wandstore/experiments"
	"github.com/wandstore/wandstore/internal/httpenc"
	"github.com/wandstore/wandstore/islands/shopper"
	"github.com/wandstore/wandstore/ops"
)

// Path is where the dashboard is served.
const Path = "/admin/"

// Store is a store the dashboard can be narrowed to.
type Store struct{ Handle, Name string }

// Options configure New.
type Options struct {
	// Token is the admin token (WANDSTORE_ADMIN_TOKEN); required.
	Token string
	// Ops is where the figures are read; required.
	Ops *ops.Recorder
	// Reports are the orders and carts; nil leaves those plots empty.
	Reports shopper.Reports
	// Stores lists the served stores.
	Stores func() []Store
	// Membership is this member's view of its cache cluster; nil when
	// there is no cluster (no cache).
	Membership func() shopper.Membership
	// Queue counts the webhook deliveries by status (pending, done,
	// failed); nil when the server takes no webhooks.
	Queue func(context.Context) (map[string]int, error)
	// Experiments reads the results of store's experiments ("": every
	// store's), by store handle; nil shows none.
	Experiments func(ctx context.Context, store string) (map[string][]experiments.Result, error)
	// AICalls reads the AI gateway's newest calls (the ai_calls log), at
	// most limit; nil when no model endpoint is set.
	AICalls func(ctx context.Context, limit int) ([]AICall, error)
	// ClientIP is the client of a request (for the failure limit).
	ClientIP func(*http.Request) netip.Addr
	Now      func() time.Time
	Log      *slog.Logger
}

// AICall is one logged use of the AI model: a call, or a batch of cache
// hits (Hits) for one segment.
type AICall struct {
	At                                   time.Time
	Store, Kind, Segment, Model, Outcome string
	PromptTokens, CompletionTokens       int
	Hits                                 int
	Latency                              time.Duration
}

// Handler serves the dashboard.
type Handler struct {
	opts Options
	auth *auth
	// cop refuses cross-origin posts (sign in, sign out) wherever the
	// dashboard is mounted, the operations address included.
	cop *http.CrossOriginProtection
}

// New checks opts and returns the dashboard's handler.
func New(opts Options) (*Handler, error) {
	if opts.Token == "" || opts.Ops == nil {
		return nil, errors.New("admin: a token and a recorder are required")
	}
	if len(opts.Token) < 16 {
		return nil, errors.New("admin: the admin token must be at least 16 characters")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Stores == nil {
		opts.Stores = func() []Store { return nil }
	}
	if opts.ClientIP == nil {
		opts.ClientIP = func(r *http.Request) netip.Addr {
			ap, _ := netip.ParseAddrPort(r.RemoteAddr)
			return ap.Addr()
		}
	}
	return &Handler{opts: opts, auth: newAuth(opts.Token, opts.Now), cop: http.NewCrossOriginProtection()}, nil
}

//go:embed admin.css
var css []byte

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Robots-Tag", "noindex, nofollow")
	if err := h.cop.Check(r); err != nil {
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
		return
	}
	ip := h.opts.ClientIP(r)
	if wait, blocked := h.auth.fails.blocked(ip); blocked {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
		http.Error(w, "too many failed attempts: try again later", http.StatusTooManyRequests)
		return
	}
	switch r.URL.Path {
	case Path + "admin.css":
		// No data in it: served to anyone, so the login page is styled.
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		_, _ = w.Write(css)
		return
	case Path + "login":
		if !onlyPost(w, r) {
			return
		}
		h.login(w, r, ip)
		return
	case Path + "logout":
		if !onlyPost(w, r) {
			return
		}
		clearSession(w, r)
		http.Redirect(w, r, Path, http.StatusSeeOther)
		return
	case Path:
	default:
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	how, failed := h.auth.check(r)
	if how == "" {
		msg := ""
		if failed {
			h.auth.fails.fail(ip)
			msg = "That token or session is not valid; enter the token again."
			if _, ok := r.Cookie(CookieName); ok == nil {
				clearSession(w, r)
			}
		}
		h.unauthorized(w, r, msg)
		return
	}
	h.dashboard(w, r)
}

// unauthorized answers 401 with the login form and nothing else.
func (h *Handler) unauthorized(w http.ResponseWriter, r *http.Request, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="wandstore-admin"`)
	h.write(w, r, http.StatusUnauthorized, loginPage(msg))
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request, ip netip.Addr) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	if !h.auth.tokenOK(r.PostForm.Get("token")) {
		h.auth.fails.fail(ip)
		h.opts.Log.Warn("admin: failed login", "client", ip)
		h.unauthorized(w, r, "That token is not the admin token.")
		return
	}
	h.auth.setSession(w, r)
	http.Redirect(w, r, Path, http.StatusSeeOther)
}

// write renders c and sends it, compressed when accepted.
func (h *Handler) write(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var b bytes.Buffer
	if err := c.Render(r.Context(), &b); err != nil {
		h.opts.Log.Error("admin: render", "err", err)
		http.Error(w, "could not render the dashboard", http.StatusInternalServerError)
		return
	}
	send(w, r, status, b.Bytes())
}

// send sends an HTML page, compressed when the client accepts it.
func send(w http.ResponseWriter, r *http.Request, status int, page []byte) {
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Vary", "Accept-Encoding, Cookie, Authorization")
	if encs := httpenc.Accepted(r); len(encs) > 0 && len(page) > 1024 {
		hd.Set("Content-Encoding", encs[0])
		page = httpenc.Encode(encs[0], httpenc.Answers, page)
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(page)
	}
}

// onlyPost answers 405 to anything but a POST, and says whether r is one.
func onlyPost(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodPost {
		return true
	}
	w.Header().Set("Allow", http.MethodPost)
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}
