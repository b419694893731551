package shopper

import (
	"context"
	"time"
)

// Membership is what one member of the hot cache's cluster sees of it.
// A Cache that is a cluster (islands/cache) reports it, for /readyz and
// /metrics.
type Membership struct {
	// Self is this member's name (its address in the cluster).
	Self string
	// Members are the names of the members this one sees, itself
	// included, sorted.
	Members []string
	// Coordinator is the name of the member that coordinates the cluster
	// as this one sees it; "" when it sees none.
	Coordinator string
	// Expected is how many members this one expects, itself included.
	Expected int
	// Split is true when this member sees fewer members than Expected: a
	// peer left or died, or this member never joined its peers and formed
	// a cluster of its own. A split member still serves (the durable store
	// is the truth), but its cache, counters and broadcasts reach only the
	// members it sees.
	Split bool
}

// OrderTotal is one order as the operator's dashboard counts it.
type OrderTotal struct {
	Store    string
	At       time.Time
	Currency string
	Total    int64 // minor units, shipping and tax included
}

// Reports are the durable store's answers for the operator's dashboard
// (islands/store's DB has them).
type Reports interface {
	// OrderTotals lists the orders placed in [from, to), of store ("":
	// every store), oldest first.
	OrderTotals(ctx context.Context, store string, from, to time.Time) ([]OrderTotal, error)
	// IdleCarts lists, for the carts that hold lines, of store ("": every
	// store), the time of their shopper's last write when it is in [from,
	// to): a cart idle since then and still not ordered.
	IdleCarts(ctx context.Context, store string, from, to time.Time) ([]time.Time, error)
}
