package generator

import (
	"encoding/json"
	"unsafe"
)

// decodeManifest reads a manifest snapshot: by scanning it when it is the
// plain JSON its writer makes (objects, strings without escapes, counts),
// else with encoding/json. At 100,000 products a snapshot holds 175,000
// files and encoding/json took half a second to read it, in every build.
// false: not a manifest.
func decodeManifest(data []byte) (*Manifest, bool) {
	if m, ok := scanManifest(data); ok {
		return m, true
	}
	var m Manifest
	if json.Unmarshal(data, &m) != nil {
		return nil, false
	}
	return &m, true
}

// scanManifest is decodeManifest for the JSON manifest.write writes: any
// other shape (an escape in a string, a float, a field it does not know,
// a field twice) gives false, and the caller asks encoding/json. The
// manifest's strings are parts of data, read as one string (data is not
// written to again).
func scanManifest(data []byte) (*Manifest, bool) {
	sc := &manifestScanner{s: unsafe.String(unsafe.SliceData(data), len(data))}
	m := &Manifest{}
	seen := map[string]bool{}
	ok := sc.object(func(key string) bool {
		if seen[key] {
			return false
		}
		seen[key] = true
		switch key {
		case "version":
			n, ok := sc.count()
			m.Version = n
			return ok
		case "store":
			s, ok := sc.str()
			m.Store = s
			return ok
		case "log":
			n, ok := sc.count()
			m.Log = n
			return ok
		case "files":
			m.Files = make(map[string]Entry, len(data)/160) // an entry takes about 160 bytes
			return sc.object(func(path string) bool {
				if _, dup := m.Files[path]; dup {
					return false
				}
				var e Entry
				fields := 0
				ok := sc.object(func(key string) bool {
					fields++
					var ok bool
					switch key {
					case "in":
						e.In, ok = sc.str()
					case "out":
						e.Out, ok = sc.str()
					case "size":
						e.Size, ok = sc.count()
					case "enc":
						e.Enc, ok = sc.str()
					}
					return ok
				})
				if !ok || fields > 4 {
					return false
				}
				m.Files[path] = e
				return true
			})
		}
		return false
	})
	if !ok || !sc.end() {
		return nil, false
	}
	return m, true
}

// manifestScanner reads the subset of JSON manifest.write produces.
type manifestScanner struct {
	s string
	i int
}

func (sc *manifestScanner) space() {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\n', '\t', '\r':
			sc.i++
		default:
			return
		}
	}
}

func (sc *manifestScanner) byte(c byte) bool {
	sc.space()
	if sc.i < len(sc.s) && sc.s[sc.i] == c {
		sc.i++
		return true
	}
	return false
}

// str reads a string without escapes or control characters.
func (sc *manifestScanner) str() (string, bool) {
	if !sc.byte('"') {
		return "", false
	}
	start := sc.i
	for sc.i < len(sc.s) {
		switch c := sc.s[sc.i]; {
		case c == '"':
			sc.i++
			return sc.s[start : sc.i-1], true
		case c == '\\' || c < 0x20:
			return "", false
		}
		sc.i++
	}
	return "", false
}

// count reads a non-negative integer of at most 15 digits.
func (sc *manifestScanner) count() (int, bool) {
	sc.space()
	n, digits := 0, 0
	for sc.i < len(sc.s) && sc.s[sc.i] >= '0' && sc.s[sc.i] <= '9' && digits < 16 {
		n = n*10 + int(sc.s[sc.i]-'0')
		sc.i++
		digits++
	}
	if digits == 0 || digits > 15 || (digits > 1 && sc.s[sc.i-digits] == '0') {
		return 0, false
	}
	if sc.i < len(sc.s) {
		if c := sc.s[sc.i]; c == '.' || c == 'e' || c == 'E' || (c >= '0' && c <= '9') {
			return 0, false
		}
	}
	return n, true
}

// object reads an object, calling value with each key to read its value.
func (sc *manifestScanner) object(value func(key string) bool) bool {
	if !sc.byte('{') {
		return false
	}
	if sc.byte('}') {
		return true
	}
	for {
		key, ok := sc.str()
		if !ok || !sc.byte(':') || !value(key) {
			return false
		}
		if sc.byte('}') {
			return true
		}
		if !sc.byte(',') {
			return false
		}
	}
}

// end reports whether only white space is left.
func (sc *manifestScanner) end() bool {
	sc.space()
	return sc.i == len(sc.s)
}
