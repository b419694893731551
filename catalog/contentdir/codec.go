package contentdir

import (
	"encoding/binary"
	"errors"
	"math"
	"time"

	"github.com/wandstore/wandstore/catalog"
)

// The parse cache's binary form of a product and a collection: every field
// in order, integers as varints, strings and lists length-prefixed. It is
// several times faster than encoding/gob both ways, and a file's entry is
// encoded once and copied as bytes while the file does not change.
// TestCodecRoundTrip fills every field of both types by reflection, so a
// field added to catalog.Product or catalog.Collection without a line here
// fails it (and parseCacheVersion must then change).

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

func (e *encoder) money(m catalog.Money) { e.int(m.Amount); e.str(m.Currency) }

func (e *encoder) image(im catalog.Image) {
	e.str(im.Src)
	e.str(im.Alt)
	e.int(int64(im.Width))
	e.int(int64(im.Height))
}

func (e *encoder) product(p *catalog.Product) {
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

func (e *encoder) collection(c *catalog.Collection) {
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

func (d *decoder) money() catalog.Money { return catalog.Money{Amount: d.int(), Currency: d.str()} }

func (d *decoder) image() catalog.Image {
	return catalog.Image{Src: d.str(), Alt: d.str(), Width: int(d.int()), Height: int(d.int())}
}

func (d *decoder) product() *catalog.Product {
	p := &catalog.Product{Handle: d.str(), SourceID: d.str(), Title: d.str(), Vendor: d.str(), Type: d.str()}
	p.Tags = d.strs()
	p.DescriptionHTML = d.str()
	p.SEO = catalog.SEO{Title: d.str(), Description: d.str()}
	if n := d.list(); n >= 0 {
		p.Images = make([]catalog.Image, n)
		for i := range p.Images {
			p.Images[i] = d.image()
		}
	}
	if n := d.list(); n >= 0 {
		p.Options = make([]catalog.Option, n)
		for i := range p.Options {
			p.Options[i] = catalog.Option{Name: d.str(), Values: d.strs()}
		}
	}
	if n := d.list(); n >= 0 {
		p.Variants = make([]catalog.Variant, n)
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
	p.Status = catalog.Status(d.str())
	p.CreatedAt = d.time()
	p.UpdatedAt = d.time()
	p.File = d.str()
	return p
}

func (d *decoder) collection() *catalog.Collection {
	c := &catalog.Collection{Handle: d.str(), SourceID: d.str(), Title: d.str(), DescriptionHTML: d.str()}
	c.Image = d.image()
	c.SEO = catalog.SEO{Title: d.str(), Description: d.str()}
	c.Sort = catalog.SortOrder(d.str())
	c.ProductHandles = d.strs()
	if d.bool() {
		r := &catalog.Rules{MatchAny: d.bool()}
		if n := d.list(); n >= 0 {
			r.Conditions = make([]catalog.Condition, n)
			for i := range r.Conditions {
				r.Conditions[i] = catalog.Condition{Field: d.str(), Relation: d.str(), Value: d.str()}
			}
		}
		c.Rules = r
	}
	c.File = d.str()
	return c
}
