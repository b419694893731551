package components

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/wandstore/wandstore/catalog"
)

// The pager shows the first and last pages and two either side of the
// current one, with an ellipsis where pages are left out ("1 2 3 … 6
// Next" rather than "1 2 3 6 Next").
func TestPagerShowsGaps(t *testing.T) {
	st := &catalog.Store{Handle: "wands", Name: "Wand & Co", Currency: "USD"}
	base, _ := url.Parse("https://wands.test/s/wands/")
	s := NewSite(st, base)
	c := &catalog.Collection{Handle: "all", Title: "All"}
	for _, tc := range []struct {
		page, pages int
		want        string
	}{
		{1, 1, "[1*]"},
		{1, 6, "[1* 2 3 … 6]"},
		{4, 6, "[1 2 3 4* 5 6]"},
		{50, 4167, "[1 … 48 49 50* 51 52 … 4167]"},
		{4167, 4167, "[1 … 4165 4166 4167*]"},
	} {
		v := NewCollectionView(s, c, catalog.SortManual, tc.page, tc.pages, 0, nil)
		var got []string
		for _, l := range v.PageLinks {
			if l.Handle == "current" {
				got = append(got, l.Title+"*")
			} else {
				got = append(got, l.Title)
			}
		}
		if fmt.Sprint(got) != tc.want {
			t.Errorf("page %d of %d: %v, want %s", tc.page, tc.pages, got, tc.want)
		}
	}
}

// A page's title names the store once: a merchant's SEO title that
// already names it is not given it again.
func TestTitlesNameTheStoreOnce(t *testing.T) {
	st := &catalog.Store{Handle: "wands", Name: "Magic Wands Emporium", Currency: "USD"}
	base, _ := url.Parse("https://wands.test/s/wands/")
	s := NewSite(st, base)
	for in, want := range map[string]string{
		"Elder Wand": "Elder Wand – Magic Wands Emporium",
		"Elder Wand, Hand-Turned | Magic Wands Emporium": "Elder Wand, Hand-Turned | Magic Wands Emporium",
	} {
		if got := titled(s, in); got != want {
			t.Errorf("titled(%q) = %q, want %q", in, got, want)
		}
	}
}
