// Identity: who the shopper is (the signed session cookie) and which state
// version they were last told of in this store (the signed version cookie).

package islands

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/wandstore/wandstore/islands/session"
	"github.com/wandstore/wandstore/islands/shopper"
)

// identify reads the shopper cookie. A missing, tampered, expired or
// malformed cookie makes a new shopper, and the bad value is never looked
// up. Only a POST (a write) issues the new shopper's cookie: a first page
// view sends several island requests at once, and if each GET handed out an
// id the browser would keep one of them while the others' writes (the view
// being recorded) went to shoppers nobody holds. A cookie-less GET is simply
// an empty shopper. A valid cookie past half its life is renewed (same id).
func (s *Server) identify(q *request) {
	if value, ok := requestCookie(q.r, session.CookieName); ok {
		id, issued, err := s.codec.Decode(value)
		if err == nil {
			q.id = id
			if s.now().Sub(issued) > s.codec.MaxAge()/2 {
				s.setCookie(q)
			}
			s.readVersion(q)
			return
		}
		s.metrics.badCookies.WithLabelValues(cookieErr(err)).Inc()
	}
	q.id, q.fresh = shopper.NewID(), true
	if q.r.Method == http.MethodPost {
		s.setCookie(q)
	}
}

// requestCookie returns the value of the named cookie exactly as the
// browser sent it. (Request.Cookie strips a pair of double quotes, so a
// quoted spelling of a cookie would pass for the cookie; ours are never
// quoted.)
func requestCookie(r *http.Request, name string) (string, bool) {
	for _, line := range r.Header.Values("Cookie") {
		for part := range strings.SplitSeq(line, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok && k == name {
				return v, true
			}
		}
	}
	return "", false
}

// cookieErr names why a cookie was refused, for the metrics.
func cookieErr(err error) string {
	switch {
	case errors.Is(err, session.ErrSignature):
		return "signature"
	case errors.Is(err, session.ErrExpired):
		return "expired"
	}
	return "malformed"
}

// setCookie issues (or renews) the shopper's session cookie.
func (s *Server) setCookie(q *request) { s.cookie(q, session.CookieName, s.codec.Encode(q.id), "/") }

// cookie sets one of the shopper's cookies, all alike: for the session's
// life, HttpOnly, SameSite=Lax, Secure when the request came over HTTPS.
// They go out with the answer only if it succeeds.
func (s *Server) cookie(q *request, name, value, path string) {
	q.cookies = slices.DeleteFunc(q.cookies, func(c *http.Cookie) bool { return c.Name == name && c.Path == path })
	q.cookies = append(q.cookies, &http.Cookie{
		Name: name, Value: value, Path: path,
		MaxAge: int(s.codec.MaxAge().Seconds()), HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.isHTTPS(q.r),
	})
}

// versionCookie names the version cookie of the request's store.
func versionCookie(q *request) string { return session.VersionCookiePrefix + q.cat.Store.Handle }

// readVersion reads the shopper's version cookie for this store. A missing
// or bad one is version 0: the shopper then sees whatever is current.
func (s *Server) readVersion(q *request) {
	value, ok := requestCookie(q.r, versionCookie(q))
	if !ok {
		return
	}
	v, err := s.codec.DecodeVersion(value, q.cat.Store.Handle, q.id)
	if err != nil {
		s.metrics.badCookies.WithLabelValues("version_" + cookieErr(err)).Inc()
		return
	}
	q.seen = v
}
