package shopper

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
