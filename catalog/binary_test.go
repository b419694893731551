package catalog

import (
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
