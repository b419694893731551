// Package shopper is the islands server's vocabulary: a shopper's id, the
// state kept for them per store (preferences, cart, browsing history,
// wishlist), orders, and the interfaces of the durable store and the hot
// cache that hold that state. Implementations live in islands/store (Bun)
// and islands/cache (Olric); handlers in islands depend only on this.
package shopper

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/wandstore/wandstore/catalog"
)

// ID is a shopper's 128-bit random id, written as 32 lower-case hex digits.
type ID string

// ErrInvalidID reports an id that is not 32 lower-case hex digits.
var ErrInvalidID = errors.New("shopper: invalid id")

// NewID returns a fresh random id.
func NewID() ID {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms (Go 1.24+)
	return ID(hex.EncodeToString(b[:]))
}

// ParseID validates s as an id. Every id from outside (a cookie, a URL)
// passes through here before any lookup.
func ParseID(s string) (ID, error) {
	if len(s) != 32 {
		return "", ErrInvalidID
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", ErrInvalidID
		}
	}
	return ID(s), nil
}

// Limits on what one shopper can hold, enforced by handlers and stores.
const (
	MaxQuantity     = 99  // of one cart line
	MaxCartLines    = 50  // distinct variants in a cart
	MaxViewed       = 20  // browsing history kept
	MaxWishlist     = 100 // wishlist entries
	MaxGreetingName = 40  // runes
)

// Preferences change what the shopper's islands show.
type Preferences struct {
	// Name is how the shopper likes to be greeted; empty for none.
	Name string
	// Sort orders the shopper's product lists (recommendations, recently
	// viewed, wishlist); empty or catalog.SortManual keeps their own order.
	Sort catalog.SortOrder
}

// CartLine is a quantity of one variant.
type CartLine struct {
	Product  string // product handle
	Variant  string // variant id
	Quantity int
	AddedAt  time.Time
	// Price is the variant's unit price, in the store's minor units, when
	// the shopper last added it: the cart is always priced from the
	// catalog, and says so when the price has changed since. 0 for a line
	// added before prices were kept.
	Price int64
}

// View is a product page the shopper opened.
type View struct {
	Product string
	At      time.Time
}

// WishItem is a product the shopper saved.
type WishItem struct {
	Product string
	AddedAt time.Time
}

// State is everything kept for one shopper in one store.
type State struct {
	Store   string
	Shopper ID
	Prefs   Preferences
	Cart    []CartLine // in the order added
	Viewed  []View     // newest first, at most MaxViewed, one entry a product
	Wishes  []WishItem // newest first
	// Version increases with every write to this shopper's state in this
	// store. Fragment cache keys include it, so a write makes every cached
	// fragment of the shopper unreachable at once.
	Version int64
}

// CartQuantity is the number of items in the cart.
func (s *State) CartQuantity() int {
	n := 0
	for _, l := range s.Cart {
		n += l.Quantity
	}
	return n
}

// InCart reports whether any variant of the product is in the cart.
func (s *State) InCart(product string) bool {
	for _, l := range s.Cart {
		if l.Product == product {
			return true
		}
	}
	return false
}

// Wished reports whether the product is on the wishlist.
func (s *State) Wished(product string) bool {
	for _, w := range s.Wishes {
		if w.Product == product {
			return true
		}
	}
	return false
}

// Order is a checked-out cart.
type Order struct {
	ID     int64
	Number string // shown to the shopper, e.g. "WS-7K3MQ-9PXA2"
	// Token names the order's confirmation page (/s/<store>/orders/<token>/):
	// 128 random bits as 32 hex digits, never shown elsewhere.
	Token     string
	Store     string
	Shopper   ID
	Lines     []OrderLine
	Subtotal  catalog.Money
	CreatedAt time.Time

	// What the checkout recorded (empty for an order of the one-click
	// checkout of before).
	Email    string
	Address  Address
	Shipping Shipping
	// Tax is contained in Total (TaxInclusive) or added to it; TaxRate is
	// in catalog.RateDenominator parts.
	Tax          catalog.Money
	TaxRate      int64
	TaxInclusive bool
	Total        catalog.Money
	Payment      string // "invoice"
}

// Address is where an order goes.
type Address struct {
	Name, Line1, Line2, City, Region, PostalCode string
	Country                                      string // ISO 3166-1 alpha-2
}

// Lines writes the address one line a part, skipping empty parts;
// country is the country's name as the shopper reads it.
func (a Address) Lines(country string) []string {
	var out []string
	for _, l := range []string{a.Name, a.Line1, a.Line2, strings.TrimSpace(a.PostalCode + " " + a.City), a.Region, country} {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// Shipping is the method an order ships by and what it cost.
type Shipping struct {
	Method, Name string // the method's id and name at ordering time
	Amount       catalog.Money
}

// OrderSummary is one line of a shopper's order history.
type OrderSummary struct {
	Number, Token string
	Total         catalog.Money
	Items         int
	CreatedAt     time.Time
}

// MaxOrderHistory is how many orders the account page lists.
const MaxOrderHistory = 50

// OrderLine is a cart line frozen at checkout, with the price paid.
type OrderLine struct {
	Product, Variant    string
	Title, VariantTitle string
	SKU                 string
	Quantity            int
	UnitPrice           catalog.Money
}

// Errors stores return.
var (
	// ErrCartFull: the cart already has MaxCartLines lines.
	ErrCartFull = errors.New("shopper: cart is full")
	// ErrNotInCart: the line to change is not in the cart.
	ErrNotInCart = errors.New("shopper: not in cart")
	// ErrEmptyCart: checkout of an empty cart.
	ErrEmptyCart = errors.New("shopper: cart is empty")
	// ErrCartChanged: the cart is not the one the order was made from
	// (another tab or device changed it meanwhile).
	ErrCartChanged = errors.New("shopper: cart changed")
	// ErrQuantity: a quantity outside 1..MaxQuantity (0 only where it removes).
	ErrQuantity = errors.New("shopper: quantity out of range")
	// ErrWishlistFull: the wishlist already has MaxWishlist entries.
	ErrWishlistFull = errors.New("shopper: wishlist is full")
)

// Store is the durable home of shopper state (SQLite or PostgreSQL through
// Bun). Every write commits before it returns and returns the new state, so
// the caller can refresh its hot copy without reading again. Ids are
// already validated by the caller.
type Store interface {
	// Load returns the shopper's state in a store. A shopper never seen
	// has an empty State (Version 0), not an error.
	Load(ctx context.Context, store string, id ID) (*State, error)
	// AddToCart adds qty (1..MaxQuantity) of a variant at price (its unit
	// price the shopper was shown, in minor units: the line's Price from
	// now on), merging with an existing line; the line's total is capped
	// at MaxQuantity. Returns ErrQuantity or ErrCartFull.
	AddToCart(ctx context.Context, store string, id ID, product, variant string, qty int, price int64) (*State, error)
	// SetQuantity sets a line's quantity; 0 removes the line. Returns
	// ErrNotInCart or ErrQuantity.
	SetQuantity(ctx context.Context, store string, id ID, product, variant string, qty int) (*State, error)
	// RecordView puts the product first in the browsing history, keeping
	// MaxViewed entries.
	RecordView(ctx context.Context, store string, id ID, product string, at time.Time) (*State, error)
	// ToggleWishlist adds the product to the wishlist, or removes it if it
	// is there; on reports which. Returns ErrWishlistFull.
	ToggleWishlist(ctx context.Context, store string, id ID, product string) (st *State, on bool, err error)
	// SetPreferences replaces the shopper's preferences.
	SetPreferences(ctx context.Context, store string, id ID, p Preferences) (*State, error)
	// PlaceOrder records an order with the given lines and empties the
	// cart, in one transaction. Returns ErrEmptyCart when lines is empty,
	// and ErrCartChanged, ordering nothing, when the cart does not hold
	// exactly those lines (product, variant and quantity, in cart order)
	// when the transaction runs.
	// o holds the lines (frozen titles and prices), the totals and the
	// details; the store sets its ID, Number, Token, Store, Shopper and
	// CreatedAt. With notify, a confirmation email is queued in the same
	// transaction (see Outbox).
	PlaceOrder(ctx context.Context, store string, id ID, o *Order, notify bool) (*Order, *State, error)
	// Order returns one of the shopper's orders by its token (nil, nil when
	// there is none: another shopper's order is "none").
	Order(ctx context.Context, store string, id ID, token string) (*Order, error)
	// Orders lists the shopper's last limit orders in the store, newest
	// first.
	Orders(ctx context.Context, store string, id ID, limit int) ([]OrderSummary, error)
	// ExternalCart returns the id of the cart last handed to the store's
	// own checkout (a Shopify cart) for the shopper, "" when there is none.
	ExternalCart(ctx context.Context, store string, id ID) (string, error)
	// SetExternalCart keeps cartID as the shopper's cart at the store's own
	// checkout, replacing any earlier one; "" forgets it. It does not
	// change the shopper's State (nor its Version). The shopper must exist
	// (have written something, as a cart holds lines): an error otherwise.
	SetExternalCart(ctx context.Context, store string, id ID, cartID string) error
	// Popularity counts, per product, how many distinct shoppers viewed or
	// carted it in the store, for recommendations.
	Popularity(ctx context.Context, store string) (map[string]int, error)
	// Ping checks the database is reachable.
	Ping(ctx context.Context) error
	Close() error
}

// Cache is the hot, shared, lossy layer (Olric): rendered fragments, hot
// copies of state, and rate-limit counters. Any error means "treat as a
// miss" to callers: the durable store is the truth.
type Cache interface {
	// Fragment returns a cached fragment; ok is false on a miss.
	Fragment(ctx context.Context, key string) (html []byte, ok bool, err error)
	// PutFragment caches a fragment for FragmentTTL.
	PutFragment(ctx context.Context, key string, html []byte) error
	// State returns the hot copy of a shopper's state; ok is false on a miss.
	State(ctx context.Context, store string, id ID) (st *State, ok bool, err error)
	// StateVersion returns the Version of the hot copy without decoding the
	// rest; ok is false on a miss. A fragment lookup needs only this.
	StateVersion(ctx context.Context, store string, id ID) (version int64, ok bool, err error)
	// PutState replaces the hot copy (kept for StateTTL).
	PutState(ctx context.Context, st *State) error
	// DropState removes the hot copy (after a write whose PutState failed).
	DropState(ctx context.Context, store string, id ID) error
	// Add adds delta to the counter of key in the current window of the
	// given length and returns the count so far in that window, counted
	// across every member of the cluster.
	Add(ctx context.Context, key string, delta int64, window time.Duration) (int64, error)
	// Ping checks this member of the cache answers: it is local, so a peer
	// that dies does not fail it.
	Ping(ctx context.Context) error
}

// Cache lifetimes.
const (
	FragmentTTL = 60 * time.Second
	StateTTL    = 10 * time.Minute
)
