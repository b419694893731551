package contentdir

import (
	"encoding/binary"
	"errors"
	"math"
)

// The parse cache's own fields (codec entries are catalog's binary forms:
// catalog.Product.AppendBinary): integers as varints, strings and lists
// length-prefixed.

type encoder struct{ b []byte }

func (e *encoder) int(v int64)  { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) uint(v int)   { e.b = binary.AppendUvarint(e.b, uint64(v)) }
func (e *encoder) bool(v bool)  { e.b = append(e.b, boolByte(v)) }
func (e *encoder) str(s string) { e.uint(len(s)); e.b = append(e.b, s...) }

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

func (e *encoder) list(n int, isNil bool) {
	if isNil {
		e.uint(0)
		return
	}
	e.uint(n + 1)
}

var errCorrupt = errors.New("parse cache: corrupt entry")

// decoder reads what encoder wrote; the first problem sets err and every
// read after it gives zero values.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.b = nil
}

func (d *decoder) uint() int {
	v, n := binary.Uvarint(d.b)
	if n <= 0 || v > math.MaxInt32 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return int(v)
}

func (d *decoder) int() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bool() bool {
	if len(d.b) == 0 || d.b[0] > 1 {
		d.fail()
		return false
	}
	v := d.b[0] == 1
	d.b = d.b[1:]
	return v
}

func (d *decoder) str() string {
	n := d.uint()
	if n > len(d.b) {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// list reads a list's length: -1 for nil.
func (d *decoder) list() int {
	n := d.uint() - 1
	if n > len(d.b) { // every element takes a byte at least
		d.fail()
		return -1
	}
	return n
}
