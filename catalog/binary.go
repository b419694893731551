package catalog

import (
	"encoding/binary"
	"errors"
	"math"
	"time"
)

// A product's and a collection's binary form (AppendBinary,
// UnmarshalBinary): every field in order, integers as varints, strings and
// lists length-prefixed (a nil list apart from an empty one). It is several
// times faster than encoding/gob or JSON both ways, for caches (contentdir's
// parse cache) and fingerprints (the generator's plan cache).
// TestBinaryRoundTrip fills every field of both types by reflection, so a
// field added without a line here fails it.

type encoder struct{ b []byte }

func (e *encoder) int(v int64)  { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) uint(v int)   { e.b = binary.AppendUvarint(e.b, uint64(v)) }
func (e *encoder) bool(v bool)  { e.b = append(e.b, boolByte(v)) }
func (e *encoder) str(s string) { e.uint(len(s)); e.b = append(e.b, s...) }
func (e *encoder) strs(ss []string) {
	if ss == nil {
		e.uint(0)
		return
	}
	e.uint(len(ss) + 1) // 0 is nil, so a decoded value is DeepEqual to the parsed one
	for _, s := range ss {
		e.str(s)
	}
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

func (e *encoder) time(t time.Time) {
	if t.IsZero() {
		e.bool(false)
		return
	}
	e.bool(true)
	e.int(t.Unix())
	e.uint(t.Nanosecond())
}

func (e *encoder) money(m Money) { e.int(m.Amount); e.str(m.Currency) }

func (e *encoder) image(im Image) {
	e.str(im.Src)
	e.str(im.Alt)
	e.int(int64(im.Width))
	e.int(int64(im.Height))
}

func (e *encoder) product(p *Product) {
	for _, s := range []string{p.Handle, p.SourceID, p.Title, p.Vendor, p.Type} {
		e.str(s)
	}
	e.strs(p.Tags)
	e.str(p.DescriptionHTML)
	e.str(p.SEO.Title)
	e.str(p.SEO.Description)
	e.list(len(p.Images), p.Images == nil)
	for _, im := range p.Images {
		e.image(im)
	}
	e.list(len(p.Options), p.Options == nil)
	for _, o := range p.Options {
		e.str(o.Name)
		e.strs(o.Values)
	}
	e.list(len(p.Variants), p.Variants == nil)
	for _, v := range p.Variants {
		e.str(v.ID)
		e.str(v.SKU)
		e.str(v.Title)
		e.strs(v.Options)
		e.money(v.Price)
		e.money(v.CompareAt)
		e.bool(v.Available)
		e.int(int64(v.Inventory))
		e.bool(v.Tracked)
		e.int(int64(v.Image))
	}
	e.str(string(p.Status))
	e.time(p.CreatedAt)
	e.time(p.UpdatedAt)
	e.str(p.File)
}

func (e *encoder) list(n int, isNil bool) {
	if isNil {
		e.uint(0)
		return
	}
	e.uint(n + 1)
}

func (e *encoder) collection(c *Collection) {
	e.str(c.Handle)
	e.str(c.SourceID)
	e.str(c.Title)
	e.str(c.DescriptionHTML)
	e.image(c.Image)
	e.str(c.SEO.Title)
	e.str(c.SEO.Description)
	e.str(string(c.Sort))
	e.strs(c.ProductHandles)
	e.bool(c.Rules != nil)
	if c.Rules != nil {
		e.bool(c.Rules.MatchAny)
		e.list(len(c.Rules.Conditions), c.Rules.Conditions == nil)
		for _, cond := range c.Rules.Conditions {
			e.str(cond.Field)
			e.str(cond.Relation)
			e.str(cond.Value)
		}
	}
	e.str(c.File)
}

var errCorrupt = errors.New("catalog: damaged binary form")

// decoder reads what encoder wrote; the first problem sets err and every
// read after it gives zero values. It reads a string, so the strings it
// returns are substrings of that one: decoding allocates no string of its
// own (a parse cache's products share the cache file's bytes).
type decoder struct {
	b   string
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.b = ""
}

// uvarint is binary.Uvarint over a string.
func uvarint(s string) (uint64, int) {
	var x uint64
	var shift uint
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		c := s[i]
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				return 0, -(i + 1) // overflow
			}
			return x | uint64(c)<<shift, i + 1
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	return 0, 0
}

func (d *decoder) uint() int {
	v, n := uvarint(d.b)
	if n <= 0 || v > math.MaxInt32 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return int(v)
}

func (d *decoder) int() int64 {
	ux, n := uvarint(d.b) // binary.Varint's zig-zag
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x
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
	s := d.b[:n]
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

func (d *decoder) strs() []string {
	n := d.list()
	if n < 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.str()
	}
	return out
}

func (d *decoder) time() time.Time {
	if !d.bool() {
		return time.Time{}
	}
	sec := d.int()
	return time.Unix(sec, int64(d.uint())).UTC()
}

func (d *decoder) money() Money { return Money{Amount: d.int(), Currency: d.str()} }

func (d *decoder) image() Image {
	return Image{Src: d.str(), Alt: d.str(), Width: int(d.int()), Height: int(d.int())}
}

func (d *decoder) product() *Product {
	p := &Product{Handle: d.str(), SourceID: d.str(), Title: d.str(), Vendor: d.str(), Type: d.str()}
	p.Tags = d.strs()
	p.DescriptionHTML = d.str()
	p.SEO = SEO{Title: d.str(), Description: d.str()}
	if n := d.list(); n >= 0 {
		p.Images = make([]Image, n)
		for i := range p.Images {
			p.Images[i] = d.image()
		}
	}
	if n := d.list(); n >= 0 {
		p.Options = make([]Option, n)
		for i := range p.Options {
			p.Options[i] = Option{Name: d.str(), Values: d.strs()}
		}
	}
	if n := d.list(); n >= 0 {
		p.Variants = make([]Variant, n)
		for i := range p.Variants {
			v := &p.Variants[i]
			v.ID, v.SKU, v.Title = d.str(), d.str(), d.str()
			v.Options = d.strs()
			v.Price, v.CompareAt = d.money(), d.money()
			v.Available = d.bool()
			v.Inventory = int(d.int())
			v.Tracked = d.bool()
			v.Image = int(d.int())
		}
	}
	p.Status = Status(d.str())
	p.CreatedAt = d.time()
	p.UpdatedAt = d.time()
	p.File = d.str()
	return p
}

func (d *decoder) collection() *Collection {
	c := &Collection{Handle: d.str(), SourceID: d.str(), Title: d.str(), DescriptionHTML: d.str()}
	c.Image = d.image()
	c.SEO = SEO{Title: d.str(), Description: d.str()}
	c.Sort = SortOrder(d.str())
	c.ProductHandles = d.strs()
	if d.bool() {
		r := &Rules{MatchAny: d.bool()}
		if n := d.list(); n >= 0 {
			r.Conditions = make([]Condition, n)
			for i := range r.Conditions {
				r.Conditions[i] = Condition{Field: d.str(), Relation: d.str(), Value: d.str()}
			}
		}
		c.Rules = r
	}
	c.File = d.str()
	return c
}

// AppendBinary appends the product's binary form to b.
func (p *Product) AppendBinary(b []byte) ([]byte, error) {
	e := encoder{b: b}
	e.product(p)
	return e.b, nil
}

// UnmarshalBinary sets p from its binary form; damaged or trailing bytes
// are an error.
func (p *Product) UnmarshalBinary(data []byte) error {
	q, err := DecodeProduct(string(data))
	if err != nil {
		return err
	}
	*p = *q
	return nil
}

// DecodeProduct is a product from its binary form (AppendBinary), whose
// strings are substrings of data: a cache read as one string decodes
// without a string allocation a field. Damaged or trailing bytes are an
// error.
func DecodeProduct(data string) (*Product, error) {
	d := &decoder{b: data}
	p := d.product()
	if d.err == nil && len(d.b) != 0 {
		d.err = errCorrupt
	}
	if d.err != nil {
		return nil, d.err
	}
	return p, nil
}

// AppendBinary appends the collection's binary form to b: its definition,
// not its resolved members.
func (c *Collection) AppendBinary(b []byte) ([]byte, error) {
	e := encoder{b: b}
	e.collection(c)
	return e.b, nil
}

// UnmarshalBinary sets c's definition from its binary form; damaged or
// trailing bytes are an error. c is not resolved: call Store.Index.
func (c *Collection) UnmarshalBinary(data []byte) error {
	q, err := DecodeCollection(string(data))
	if err != nil {
		return err
	}
	*c = *q
	return nil
}

// DecodeCollection is a collection's definition from its binary form, its
// strings substrings of data (see DecodeProduct); not resolved.
func DecodeCollection(data string) (*Collection, error) {
	d := &decoder{b: data}
	c := d.collection()
	if d.err == nil && len(d.b) != 0 {
		d.err = errCorrupt
	}
	if d.err != nil {
		return nil, d.err
	}
	return c, nil
}
