package recommend

import (
	"context"
	"strings"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/islands/shopper"
)

// Advisor is what an AI adapter adds to the recommendations island
// (package ai implements it; the islands server takes one in its Options
// and, without one, serves the behavioural picks alone).
type Advisor interface {
	// Neighbours are the semantic neighbours of st's products, for
	// Index.Blend. It must not wait on a model: right after a catalog
	// change it may answer the previous catalog's (or nil) while the new
	// ones are computed in the background.
	Neighbours(st *catalog.Store) *Neighbours
	// Copy is a short line of plain text introducing the recommendations
	// shown to seg, or "" when none is ready within ctx and the Advisor's
	// own budget. The caller escapes it.
	Copy(ctx context.Context, seg Segment) string
}

// Segment is a group of shoppers the same line of copy is written for:
// never one shopper. It carries no shopper data beyond what defines the
// group: the store and the product type the shopper is looking at (the
// product on the page, else the newest product viewed).
type Segment struct {
	Store     string // the store's handle
	StoreName string
	Locale    string // the store's locale ("ja-JP"): the copy's language
	// Type is the product type of the segment; "" for shoppers with
	// nothing viewed yet.
	Type string
}

// Key names the segment in caches and logs.
func (g Segment) Key() string {
	return g.Store + "|" + g.Locale + "|type:" + strings.ToLower(strings.TrimSpace(g.Type))
}

// SegmentOf is the segment of a shopper on the page of product ("" off a
// product page) of st: the page's product type, else that of the newest
// viewed product the catalog still has.
func SegmentOf(st *catalog.Store, product string, s *shopper.State) Segment {
	g := Segment{Store: st.Handle, StoreName: st.Name, Locale: st.Locale}
	if p := st.Product(product); p != nil && p.Type != "" {
		g.Type = p.Type
		return g
	}
	if s != nil {
		for _, v := range s.Viewed {
			if p := st.Product(v.Product); p != nil && p.Type != "" {
				g.Type = p.Type
				return g
			}
		}
	}
	return g
}
