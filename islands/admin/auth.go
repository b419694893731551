package admin

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// CookieName is the dashboard's session cookie.
const CookieName = "wandstore_admin"

// sessionLife is how long a login lasts.
const sessionLife = 12 * time.Hour

// auth checks a request's token or session cookie, makes session cookies
// and counts failures.
type auth struct {
	tokenSum [32]byte // SHA-256 of the token: compared in constant time whatever the length
	key      []byte   // signs session cookies; derived from the token, so a new token ends every session
	now      func() time.Time
	fails    *failures
}

func newAuth(token string, now func() time.Time) *auth {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("wandstore admin session v1"))
	return &auth{tokenSum: sha256.Sum256([]byte(token)), key: m.Sum(nil), now: now, fails: newFailures(now)}
}

// tokenOK compares a token in constant time (of its hash: the length of
// the real token does not leak either).
func (a *auth) tokenOK(token string) bool {
	sum := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(sum[:], a.tokenSum[:]) == 1
}

// check says how r is authenticated: "bearer", "cookie", or "" (not),
// and whether it tried and failed (a wrong token, a bad cookie).
func (a *auth) check(r *http.Request) (how string, failed bool) {
	// A bearer token is an attempt; any other scheme (a proxy's Basic
	// credentials) is not ours, and the cookie decides.
	if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		if a.tokenOK(token) {
			return "bearer", false
		}
		return "", true
	}
	c, err := r.Cookie(CookieName)
	if err != nil {
		return "", false
	}
	if a.sessionOK(c.Value) {
		return "cookie", false
	}
	return "", true
}

// session returns a new session cookie's value: its expiry and an HMAC of
// it.
func (a *auth) session() (string, time.Time) {
	exp := a.now().Add(sessionLife).Truncate(time.Second)
	v := strconv.FormatInt(exp.Unix(), 10)
	return v + "." + a.mac(v), exp
}

func (a *auth) mac(v string) string {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte(v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (a *auth) sessionOK(value string) bool {
	v, sig, ok := strings.Cut(value, ".")
	if !ok || len(v) > 20 {
		return false
	}
	if !hmac.Equal([]byte(sig), []byte(a.mac(v))) {
		return false
	}
	exp, err := strconv.ParseInt(v, 10, 64)
	return err == nil && a.now().Unix() < exp
}

func (a *auth) setSession(w http.ResponseWriter, r *http.Request) {
	v, exp := a.session()
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: v, Path: Path, Expires: exp, MaxAge: int(sessionLife / time.Second),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure(r),
	})
}

func clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: Path, MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure(r)})
}

// secure says whether the cookie may go over https only: the request came
// over TLS, here or at a proxy that says so.
func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// failures counts failed attempts (a wrong token, a forged cookie) per
// client: past maxFails in failWindow, the client is refused, even with
// the right token, until the window ends. Guessing a 32-byte token is
// hopeless anyway; this keeps a guesser from costing the server.
type failures struct {
	mu  sync.Mutex
	now func() time.Time
	by  map[netip.Addr]*failCount
}

type failCount struct {
	n     int
	until time.Time
}

const (
	maxFails   = 10
	failWindow = 15 * time.Minute
	maxClients = 10_000 // bound on the map: past it, the expired entries go, then those with the fewest failures
)

func newFailures(now func() time.Time) *failures {
	return &failures{now: now, by: map[netip.Addr]*failCount{}}
}

// client is the key of ip's failures: an IPv6 address by its /64 (one
// subscriber's), so a client cannot dodge its count by changing address.
func client(ip netip.Addr) netip.Addr {
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.Addr()
	}
	return ip
}

// blocked says whether ip is refused, and for how long.
func (f *failures) blocked(ip netip.Addr) (time.Duration, bool) {
	ip = client(ip)
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.by[ip]
	if c == nil {
		return 0, false
	}
	now := f.now()
	if !now.Before(c.until) {
		delete(f.by, ip)
		return 0, false
	}
	return c.until.Sub(now), c.n >= maxFails
}

// fail counts a failure of ip.
func (f *failures) fail(ip netip.Addr) {
	ip = client(ip)
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	c := f.by[ip]
	if c == nil || !now.Before(c.until) {
		if len(f.by) >= maxClients {
			f.evict(now)
		}
		c = &failCount{until: now.Add(failWindow)}
		f.by[ip] = c
	}
	c.n++
}

// evict makes room in a full map: the expired entries go; if none has,
// the one with the fewest failures (never a block while a client with
// fewer failures is there, and never the whole map: that would clear
// every block at once). f.mu is held.
func (f *failures) evict(now time.Time) {
	var least netip.Addr
	fewest := -1
	for ip, c := range f.by {
		if !now.Before(c.until) {
			delete(f.by, ip)
			continue
		}
		if fewest < 0 || c.n < fewest {
			least, fewest = ip, c.n
		}
	}
	if len(f.by) >= maxClients {
		delete(f.by, least)
	}
}
