// Package session signs and checks the shopper cookie: a random 128-bit
// shopper id and the time it was issued, with an HMAC-SHA256 over both.
// Nothing about a cookie is trusted until its MAC checks out, so a tampered,
// expired or malformed cookie yields an error and the caller starts a new
// session; the bad id is never looked up.
package session

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/wandstore/wandstore/islands/shopper"
)

// CookieName is the shopper cookie's name.
const CookieName = "wandstore_sid"

// MinKeyLen is the shortest signing key accepted (256 bits).
const MinKeyLen = 32

// Errors from Decode. Callers treat them all alike (new session); they are
// distinct for logs and metrics.
var (
	ErrMalformed = errors.New("session: malformed cookie")
	ErrSignature = errors.New("session: bad signature")
	ErrExpired   = errors.New("session: expired")
)

// Codec encodes and verifies cookies.
type Codec struct {
	keys   [][]byte
	maxAge time.Duration
	now    func() time.Time
}

// NewCodec returns a codec that signs with keys[0] and accepts any of keys
// (so a key can be rotated without logging every shopper out). Each key
// must be at least MinKeyLen bytes; maxAge bounds a cookie's life.
func NewCodec(keys [][]byte, maxAge time.Duration, now func() time.Time) (*Codec, error) {
	if len(keys) == 0 {
		return nil, errors.New("session: no signing key")
	}
	for _, k := range keys {
		if len(k) < MinKeyLen {
			return nil, errors.New("session: signing key shorter than 32 bytes")
		}
	}
	if maxAge <= 0 {
		return nil, errors.New("session: max age must be positive")
	}
	if now == nil {
		now = time.Now
	}
	return &Codec{keys: keys, maxAge: maxAge, now: now}, nil
}

// MaxAge is how long a cookie is valid.
func (c *Codec) MaxAge() time.Duration { return c.maxAge }

const version = "v1"

// Encode returns the cookie value for id, issued now:
// "v1.<id>.<unix seconds, base 36>.<base64url MAC>".
func (c *Codec) Encode(id shopper.ID) string {
	payload := version + "." + string(id) + "." + strconv.FormatInt(c.now().Unix(), 36)
	return payload + "." + base64.RawURLEncoding.EncodeToString(mac(c.keys[0], payload))
}

// Decode verifies a cookie value and returns the shopper id and when the
// cookie was issued. The MAC is checked (in constant time) before anything
// in the value is used.
func (c *Codec) Decode(value string) (shopper.ID, time.Time, error) {
	if len(value) > 128 {
		return "", time.Time{}, ErrMalformed
	}
	i := strings.LastIndexByte(value, '.')
	if i < 0 {
		return "", time.Time{}, ErrMalformed
	}
	payload, sig := value[:i], value[i+1:]
	if err := c.verify(sig, payload); err != nil {
		return "", time.Time{}, err
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 3 || parts[0] != version {
		return "", time.Time{}, ErrMalformed
	}
	id, err := shopper.ParseID(parts[1])
	if err != nil {
		return "", time.Time{}, ErrMalformed
	}
	secs, err := strconv.ParseInt(parts[2], 36, 64)
	if err != nil {
		return "", time.Time{}, ErrMalformed
	}
	issued := time.Unix(secs, 0)
	now := c.now()
	if issued.After(now.Add(time.Minute)) || now.Sub(issued) > c.maxAge {
		return "", time.Time{}, ErrExpired
	}
	return id, issued, nil
}

// verify checks sig, a base64url MAC, against payload under every key
// (ErrMalformed, ErrSignature), in constant time for each.
func (c *Codec) verify(sig, payload string) error {
	// One spelling per MAC: exactly the alphabet's characters (the
	// decoder skips newlines), and Strict (it also takes the last
	// character with its unused bits set).
	if len(sig) != base64.RawURLEncoding.EncodedLen(sha256.Size) || strings.IndexFunc(sig, notBase64URL) >= 0 {
		return ErrMalformed
	}
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		return ErrMalformed
	}
	ok := false
	for _, k := range c.keys {
		// Check every key, so timing does not tell which one matched.
		if hmac.Equal(got, mac(k, payload)) {
			ok = true
		}
	}
	if !ok {
		return ErrSignature
	}
	return nil
}

func notBase64URL(r rune) bool {
	return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_')
}

func mac(key []byte, payload string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(payload))
	return h.Sum(nil)
}

// VersionCookiePrefix starts the name of a store's version cookie
// ("wandstore_v_<store handle>"): the shopper's state version in that store
// as of their last acknowledged write, a session token in the sense of
// Cosmos DB's session consistency. A server never shows the shopper state
// older than it.
const VersionCookiePrefix = "wandstore_v_"

const tokenVersion = "t1"

// EncodeVersion returns the version cookie's value for the shopper's
// state in store: "t1.<version, base 36>.<base64url MAC>", the MAC over
// the store, the shopper and the version, so a token is worth nothing for
// another shopper or store.
func (c *Codec) EncodeVersion(store string, id shopper.ID, version int64) string {
	v := strconv.FormatInt(version, 36)
	return tokenVersion + "." + v + "." + base64.RawURLEncoding.EncodeToString(mac(c.keys[0], tokenPayload(store, id, v)))
}

// DecodeVersion verifies a version cookie of the shopper in store and
// returns its version. Errors are ErrMalformed and ErrSignature; callers
// then know no version (0).
func (c *Codec) DecodeVersion(value, store string, id shopper.ID) (int64, error) {
	if len(value) > 96 {
		return 0, ErrMalformed
	}
	parts := strings.Split(value, ".")
	if len(parts) != 3 || parts[0] != tokenVersion {
		return 0, ErrMalformed
	}
	if err := c.verify(parts[2], tokenPayload(store, id, parts[1])); err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(parts[1], 36, 64)
	if err != nil || v < 0 {
		return 0, ErrMalformed
	}
	return v, nil
}

func tokenPayload(store string, id shopper.ID, version string) string {
	return tokenVersion + "\x00" + store + "\x00" + string(id) + "\x00" + version
}
