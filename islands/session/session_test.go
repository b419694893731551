package session

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/islands/shopper"
)

var (
	key1 = bytes.Repeat([]byte{1}, 32)
	key2 = bytes.Repeat([]byte{2}, 32)
	t0   = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
)

func codec(t testing.TB, now time.Time, keys ...[]byte) *Codec {
	t.Helper()
	c, err := NewCodec(keys, 30*24*time.Hour, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRoundTrip(t *testing.T) {
	c := codec(t, t0, key1)
	id := shopper.NewID()
	v := c.Encode(id)
	got, issued, err := c.Decode(v)
	if err != nil || got != id || !issued.Equal(t0) {
		t.Fatalf("Decode(%q) = %q, %v, %v", v, got, issued, err)
	}
}

func TestRejects(t *testing.T) {
	c := codec(t, t0, key1)
	id := shopper.NewID()
	good := c.Encode(id)
	other := shopper.NewID()
	// flip replaces one character with another of the same alphabet
	// (hex for the id, base64url for the MAC), so the value stays well
	// formed and only its signature can be wrong.
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	for name, tc := range map[string]struct {
		value string
		want  error
	}{
		"empty":             {"", ErrMalformed},
		"no dot":            {"abc", ErrMalformed},
		"garbage mac":       {"v1.x.y.!!!", ErrMalformed},
		"short mac":         {good[:len(good)-4], ErrMalformed},
		"id swapped":        {strings.Replace(good, string(id), string(other), 1), ErrSignature},
		"id char flipped":   {flip(good, 4), ErrSignature},
		"mac flipped":       {flip(good, len(good)-2), ErrSignature},
		"signed by other":   {codec(t, t0, key2).Encode(id), ErrSignature},
		"expired":           {codec(t, t0.Add(-31*24*time.Hour), key1).Encode(id), ErrExpired},
		"issued in future":  {codec(t, t0.Add(time.Hour), key1).Encode(id), ErrExpired},
		"too long":          {strings.Repeat("a", 200), ErrMalformed},
		"upper-case id":     {signed(c, "v1."+strings.ToUpper(string(id))+".1"), ErrMalformed},
		"wrong version":     {signed(c, "v2."+string(id)+"."+"abc"), ErrMalformed},
		"extra field":       {signed(c, "v1."+string(id)+".1.2"), ErrMalformed},
		"bad time":          {signed(c, "v1."+string(id)+".!"), ErrMalformed},
		"path-y id, signed": {signed(c, "v1.../../etc/passwd000000000000000.1"), ErrMalformed},
	} {
		if _, _, err := c.Decode(tc.value); err != tc.want {
			t.Errorf("%s: Decode(%q) err = %v, want %v", name, tc.value, err, tc.want)
		}
	}
}

// signed makes a correctly signed value around an arbitrary payload, to
// prove the payload is validated even when the MAC is right.
func signed(c *Codec, payload string) string {
	return payload + "." + base64.RawURLEncoding.EncodeToString(mac(c.keys[0], payload))
}

func TestKeyRotation(t *testing.T) {
	id := shopper.NewID()
	old := codec(t, t0, key1).Encode(id)
	rotated := codec(t, t0, key2, key1) // new key signs, old still accepted
	if got, _, err := rotated.Decode(old); err != nil || got != id {
		t.Fatalf("old cookie after rotation: %v", err)
	}
	if v := rotated.Encode(id); strings.HasSuffix(v, old[strings.LastIndexByte(old, '.'):]) {
		t.Error("rotated codec still signs with the old key")
	}
	if _, _, err := codec(t, t0, key2).Decode(old); err != ErrSignature {
		t.Errorf("after the old key is retired: %v", err)
	}
}

func TestNewCodecChecksKeys(t *testing.T) {
	if _, err := NewCodec(nil, time.Hour, nil); err == nil {
		t.Error("no keys accepted")
	}
	if _, err := NewCodec([][]byte{[]byte("short")}, time.Hour, nil); err == nil {
		t.Error("short key accepted")
	}
	if _, err := NewCodec([][]byte{key1}, 0, nil); err == nil {
		t.Error("zero max age accepted")
	}
}

// FuzzDecode: no input panics, and anything accepted must be a valid id
// that re-encodes to a value decoding to the same id.
func FuzzDecode(f *testing.F) {
	c := codec(f, t0, key1)
	good := c.Encode(shopper.ID("0123456789abcdef0123456789abcdef"))
	for _, s := range []string{good, "", ".", "v1...", "v1.x.1.AAAA", good + "x", strings.Replace(good, "v1", "v2", 1), good[:40]} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		id, _, err := c.Decode(value)
		if err != nil {
			return
		}
		if _, perr := shopper.ParseID(string(id)); perr != nil {
			t.Fatalf("accepted invalid id %q from %q", id, value)
		}
		if value != good {
			t.Fatalf("accepted a forged cookie %q", value)
		}
	})
}

// FuzzParseID: only 32 lower-case hex digits pass.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"0123456789abcdef0123456789abcdef", "", "0123456789ABCDEF0123456789abcdef", "../../../../../../../../etc/pass", "0123456789abcdef0123456789abcde"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := shopper.ParseID(s)
		valid := len(s) == 32 && strings.Trim(s, "0123456789abcdef") == ""
		if (err == nil) != valid {
			t.Fatalf("ParseID(%q) err = %v, want valid=%v", s, err, valid)
		}
		if err == nil && string(id) != s {
			t.Fatalf("ParseID(%q) = %q", s, id)
		}
	})
}

func TestVersionToken(t *testing.T) {
	k1, k2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	c, err := NewCodec([][]byte{k1}, time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	id, other := shopper.NewID(), shopper.NewID()
	tok := c.EncodeVersion("wands", id, 1234567)
	if v, err := c.DecodeVersion(tok, "wands", id); err != nil || v != 1234567 {
		t.Fatalf("round trip: %d %v", v, err)
	}
	// A rotated codec still reads it.
	rot, _ := NewCodec([][]byte{k2, k1}, time.Hour, nil)
	if v, err := rot.DecodeVersion(tok, "wands", id); err != nil || v != 1234567 {
		t.Fatalf("after rotation: %d %v", v, err)
	}
	for name, bad := range map[string]struct {
		value, store string
		id           shopper.ID
	}{
		"another shopper": {tok, "wands", other},
		"another store":   {tok, "teas", id},
		"raised version":  {strings.Replace(tok, ".qglj.", ".qglk.", 1), "wands", id},
		"empty":           {"", "wands", id},
		"garbage":         {"t1.x.y", "wands", id},
		"long":            {strings.Repeat("a", 200), "wands", id},
		"other key":       {func() string { o, _ := NewCodec([][]byte{k2}, time.Hour, nil); return o.EncodeVersion("wands", id, 5) }(), "wands", id},
	} {
		if v, err := c.DecodeVersion(bad.value, bad.store, bad.id); err == nil {
			t.Errorf("%s: accepted (version %d)", name, v)
		}
	}
	if !strings.Contains(tok, "."+strconv.FormatInt(1234567, 36)+".") {
		t.Fatalf("token %q does not carry the version the test tampers with", tok)
	}
}
