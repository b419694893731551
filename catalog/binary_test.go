package catalog

import (
	"encoding/binary"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fill sets every field reachable from v to a value that is not its zero
// value (i distinguishes list elements), so a codec that forgets a field
// fails a round trip.
func fill(v reflect.Value, i int) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + string(rune('a'+i%26)) + strings.Repeat("é", i%3))
	case reflect.Int, reflect.Int64:
		if v.Type() == reflect.TypeOf(time.Duration(0)) {
			return
		}
		v.SetInt(int64(-3 + i*1000003))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for j := 0; j < 2; j++ {
			fill(s.Index(j), i+j+1)
		}
		v.Set(s)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), i+1)
		v.Set(p)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Date(2026, 3, 1, 10, 30, i%60, 123456789, time.UTC)))
			return
		}
		for f := 0; f < v.NumField(); f++ {
			if v.Type().Field(f).IsExported() {
				fill(v.Field(f), i+f)
			}
		}
	}
}

func TestBinaryRoundTrip(t *testing.T) {
	var p Product
	fill(reflect.ValueOf(&p).Elem(), 0)
	data, _ := p.AppendBinary(nil)
	var got Product
	if err := got.UnmarshalBinary(data); err != nil || !reflect.DeepEqual(got, p) {
		t.Errorf("product round trip (err %v):\n got %+v\nwant %+v", err, got, p)
	}

	var c Collection
	fill(reflect.ValueOf(&c).Elem(), 0)
	c.products, c.handles = nil, nil // resolved members are not part of the form
	cdata, _ := c.AppendBinary(nil)
	var gotC Collection
	if err := gotC.UnmarshalBinary(cdata); err != nil || !reflect.DeepEqual(gotC, c) {
		t.Errorf("collection round trip (err %v):\n got %+v\nwant %+v", err, gotC, c)
	}

	// Empty and nil lists stay what they were.
	q := Product{Tags: []string{}, Variants: []Variant{{Image: -1}}}
	qdata, _ := q.AppendBinary(nil)
	var gotQ Product
	if err := gotQ.UnmarshalBinary(qdata); err != nil || !reflect.DeepEqual(gotQ, q) {
		t.Errorf("got %#v, want %#v (%v)", gotQ, q, err)
	}

	// A cut or lengthened form is an error, never a panic.
	for n := 0; n < len(data); n++ {
		if err := new(Product).UnmarshalBinary(data[:n]); err == nil {
			t.Fatalf("a form cut to %d of %d bytes decoded without an error", n, len(data))
		}
	}
	if err := new(Product).UnmarshalBinary(append(data, 0)); err == nil {
		t.Error("a form with a byte more decoded without an error")
	}
}

// The string decoder's varints read what encoding/binary writes, and fail
// where it fails (cut, overlong or overflowing forms).
func TestVarintsOverStrings(t *testing.T) {
	values := []int64{0, 1, -1, 63, -64, 64, 127, 128, 300, -300, 1 << 31, -(1 << 31), math.MaxInt64, math.MinInt64}
	for _, v := range values {
		b := binary.AppendVarint(nil, v)
		d := &decoder{b: string(b)}
		if got := d.int(); got != v || d.err != nil || d.b != "" {
			t.Errorf("varint %d: got %d (err %v, %d bytes left)", v, got, d.err, len(d.b))
		}
		u := uint64(v)
		ub := binary.AppendUvarint(nil, u)
		gu, n := uvarint(string(ub))
		wu, wn := binary.Uvarint(ub)
		if gu != wu || n != wn {
			t.Errorf("uvarint %d: got %d, %d; encoding/binary %d, %d", u, gu, n, wu, wn)
		}
		for cut := 0; cut < len(ub); cut++ {
			if _, n := uvarint(string(ub[:cut])); n > 0 {
				t.Errorf("uvarint %d cut to %d bytes read as whole", u, cut)
			}
		}
	}
	for _, bad := range [][]byte{
		{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02},       // overflows 64 bits
		{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, // too long
	} {
		if _, n := uvarint(string(bad)); n > 0 {
			t.Errorf("uvarint % x read as %d bytes", bad, n)
		}
		if _, wn := binary.Uvarint(bad); wn > 0 {
			t.Errorf("encoding/binary reads % x: the case is wrong", bad)
		}
	}
}
