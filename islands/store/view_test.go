package store

import (
	"errors"
	"fmt"
	"github.com/wandstore/wandstore/internal/testkit"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/islands/shopper"
)

func TestRecordView(t *testing.T) { testkit.EachDB(t, testRecordView) }

func testRecordView(t *testing.T) {
	d, clk, _ := openTest(t)
	ctx := t.Context()
	id := shopper.NewID()
	at := t0.Add(-time.Hour)
	st := must[*shopper.State](t)(d.RecordView(ctx, testStore, id, "a", at))
	if !st.Viewed[0].At.Equal(at) {
		t.Fatalf("at %v, want %v", st.Viewed[0].At, at)
	}
	must[*shopper.State](t)(d.RecordView(ctx, testStore, id, "b", time.Time{}))
	st = must[*shopper.State](t)(d.RecordView(ctx, testStore, id, "c", time.Time{}))
	if got := viewedString(st); got != "c b a" {
		t.Fatalf("viewed %q", got)
	}
	// Zero at means now; re-viewing moves to the front with the new time,
	// even when the times are equal (the clock has not moved).
	if !st.Viewed[0].At.Equal(t0) {
		t.Fatalf("zero at became %v", st.Viewed[0].At)
	}
	clk.Advance(time.Minute)
	st = must[*shopper.State](t)(d.RecordView(ctx, testStore, id, "a", time.Time{}))
	if got := viewedString(st); got != "a c b" || !st.Viewed[0].At.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after re-view: %q at %v", got, st.Viewed[0].At)
	}
	// At most MaxViewed, newest first, one entry a product.
	var want []string
	for i := range shopper.MaxViewed + 5 {
		p := fmt.Sprintf("p%02d", i)
		st = must[*shopper.State](t)(d.RecordView(ctx, testStore, id, p, time.Time{}))
		want = append([]string{p}, want...)
	}
	want = want[:shopper.MaxViewed]
	if got := viewedString(st); got != strings.Join(want, " ") {
		t.Fatalf("viewed %q\nwant   %q", got, strings.Join(want, " "))
	}
	var rows int
	if err := d.w.QueryRowContext(ctx, "SELECT COUNT(*) FROM views").Scan(&rows); err != nil || rows != shopper.MaxViewed {
		t.Fatalf("rows kept %d, %v", rows, err)
	}
	if st.Version != int64(4+shopper.MaxViewed+5) {
		t.Fatalf("version %d", st.Version)
	}
}

func TestToggleWishlist(t *testing.T) { testkit.EachDB(t, testToggleWishlist) }

func testToggleWishlist(t *testing.T) {
	d, _, _ := openTest(t)
	ctx := t.Context()
	id := shopper.NewID()
	toggle := func(p string) (*shopper.State, bool) {
		t.Helper()
		st, on, err := d.ToggleWishlist(ctx, testStore, id, p)
		if err != nil {
			t.Fatal(err)
		}
		return st, on
	}
	if _, on := toggle("a"); !on {
		t.Fatal("first toggle: off")
	}
	toggle("b")
	st, on := toggle("c")
	if got := wishString(st); !on || got != "c b a" || !st.Wished("b") {
		t.Fatalf("wishes %q on %v", got, on)
	}
	st, on = toggle("b")
	if got := wishString(st); on || got != "c a" || st.Wished("b") || st.Version != 4 {
		t.Fatalf("after removing b: %q on %v version %d", got, on, st.Version)
	}
	st, _ = toggle("b") // back, now newest
	if got := wishString(st); got != "b c a" {
		t.Fatalf("re-added: %q", got)
	}
	for i := len(st.Wishes); i < shopper.MaxWishlist; i++ {
		toggle(fmt.Sprintf("w%03d", i))
	}
	if _, _, err := d.ToggleWishlist(ctx, testStore, id, "one-more"); !errors.Is(err, shopper.ErrWishlistFull) {
		t.Fatalf("full wishlist: %v", err)
	}
	// Removing from a full wishlist still works.
	st, on = toggle("a")
	if on || len(st.Wishes) != shopper.MaxWishlist-1 {
		t.Fatalf("remove from full: on %v, %d wishes", on, len(st.Wishes))
	}
}

func TestSetPreferences(t *testing.T) { testkit.EachDB(t, testSetPreferences) }

func testSetPreferences(t *testing.T) {
	d, _, _ := openTest(t)
	ctx := t.Context()
	id := shopper.NewID()
	must[*shopper.State](t)(d.AddToCart(ctx, testStore, id, "hat", "hat-s", 1, 1500))
	p := shopper.Preferences{Name: strings.Repeat("é", shopper.MaxGreetingName), Sort: catalog.SortTitleDesc}
	st := must[*shopper.State](t)(d.SetPreferences(ctx, testStore, id, p))
	if st.Prefs != p || st.Version != 2 || len(st.Cart) != 1 {
		t.Fatalf("state %+v", st)
	}
	// Replaces, not merges.
	st = must[*shopper.State](t)(d.SetPreferences(ctx, testStore, id, shopper.Preferences{}))
	if st.Prefs != (shopper.Preferences{}) {
		t.Fatalf("prefs %+v", st.Prefs)
	}
	// First write of a new shopper can be preferences.
	other := shopper.NewID()
	st = must[*shopper.State](t)(d.SetPreferences(ctx, testStore, other, shopper.Preferences{Name: "Cy"}))
	if st.Prefs.Name != "Cy" || st.Version != 1 {
		t.Fatalf("new shopper: %+v", st)
	}
	for _, bad := range []shopper.Preferences{
		{Name: strings.Repeat("x", shopper.MaxGreetingName+1)},
		{Name: "\xff"},
		{Sort: "random"},
	} {
		if _, err := d.SetPreferences(ctx, testStore, id, bad); !errors.Is(err, ErrPreferences) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}
