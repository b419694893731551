package cache

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Counters live countTTL from their first increment: that is the
// ratelimit DMap's default TTL, which Open sets on every member, so a
// counter is born with its expiry inside the increment that creates it.
// Windows longer than maxCountWindow would outlive it and are refused.
const (
	maxCountWindow = time.Hour
	countTTL       = maxCountWindow + time.Second // the second: clock skew
)

// Count adds one to key's counter for the current fixed window and
// returns the count so far in that window, cluster-wide. Windows are whole
// seconds from 1 s to maxCountWindow (a fraction is dropped), aligned to
// the Unix epoch, so members agree on them as far as their clocks agree.
// The counter's key is key|<window start in Unix seconds>; it expires
// countTTL after its first increment.
//
// Why one Incr and no Expire, in Olric v0.7.4: Expire overwrites the value
// with an empty one whenever replicas are kept or the key lives on another
// member; and a Put(NX) to create the counter with its own TTL checks only
// the owner's local copy, so right after a member leaves it "creates"
// counters whose value lives on a replica, resetting them. Incr reads
// every copy (owner, previous owners, replicas) and keeps the TTL.
func (c *Cache) Count(ctx context.Context, key string, window time.Duration) (int64, error) {
	return c.Add(ctx, key, 1, window)
}

// Add is Count by delta (>= 1): a caller that batches its increments
// sends them in one call.
func (c *Cache) Add(ctx context.Context, key string, delta int64, window time.Duration) (int64, error) {
	if c.closed.Load() {
		return 0, ErrClosed
	}
	w := int64(window / time.Second)
	if w < 1 || window > maxCountWindow {
		return 0, fmt.Errorf("cache: count %q: window %s is not within 1s..%s", key, window, maxCountWindow)
	}
	now := c.now().Unix()
	k := key + "|" + strconv.FormatInt(now-now%w, 10)
	if delta < 1 || delta > 1<<30 {
		return 0, fmt.Errorf("cache: count %q: delta %d out of range", key, delta)
	}
	n, err := c.incr(ctx, k, int(delta))
	if err != nil {
		return 0, fmt.Errorf("cache: count %q: %w", k, err)
	}
	return int64(n), nil
}

// incr adds delta to the counter k.
//
// Olric's Incr is a read-modify-write under a lock held by the member
// that runs it. The embedded client runs it on this member, so increments
// of one key made through different members at once lose updates (a
// third to a half of them in a three-member test). Routed through a
// cluster client to the key's partition owner, every increment of a key
// takes the same lock. With one member the embedded call is that owner.
//
// The cluster client keeps its own copy of the routing table: when the
// member set changes, incr has it re-read (in the background) and until
// then increments may go to a former owner, which counts correctly but
// without the lock guarantee. If a routed call fails (a member just
// left), the embedded call still counts, on the same terms.
func (c *Cache) incr(ctx context.Context, k string, delta int) (int, error) {
	if n, sig := c.memberSet(); n > 1 {
		if sig != c.routesFor.Load() {
			c.refreshRoutes(sig)
		}
		if n, err := c.routed.Incr(ctx, k, delta); err == nil {
			return n, nil
		}
	}
	return c.ratelimit.Incr(ctx, k, delta)
}

// memberSet returns how many members this member sees and a signature of
// which (the sum of their ids).
//
// It is asked on every Count, so the answer is reused for membersTTL
// (asking Olric each time cost a tenth of a warm fragment's CPU). For that
// long after a member joins, increments may still take the unlocked local
// path and under-count a little, like the route refresh window above:
// acceptable for rate limits; exact once membership is stable.
func (c *Cache) memberSet() (int, uint64) {
	now := time.Now().UnixNano()
	if now-c.membersAt.Load() < int64(c.membersTTL) {
		return int(c.membersN.Load()), c.membersSig.Load()
	}
	ms, err := c.client.Members(context.Background())
	if err != nil {
		return 0, 0
	}
	var sig uint64
	for _, m := range ms {
		sig += m.ID
	}
	c.membersN.Store(int64(len(ms)))
	c.membersSig.Store(sig)
	c.membersAt.Store(now)
	return len(ms), sig
}

// defaultMembersTTL is how long memberSet's answer is reused.
const defaultMembersTTL = 250 * time.Millisecond

// refreshRoutes has the cluster client re-read the member list and
// routing table, now and once more a second later (the coordinator may
// still be moving partitions), unless a refresh is already running.
func (c *Cache) refreshRoutes(sig uint64) {
	if !c.refreshing.CompareAndSwap(false, true) {
		return
	}
	c.bgMu.Lock()
	if c.bgCtx.Err() != nil { // closing
		c.bgMu.Unlock()
		c.refreshing.Store(false)
		return
	}
	c.bg.Add(1)
	c.bgMu.Unlock()
	go func() {
		defer c.bg.Done()
		defer c.refreshing.Store(false)
		for i, wait := range []time.Duration{0, time.Second} {
			select {
			case <-c.bgCtx.Done():
				return
			case <-time.After(wait):
			}
			ctx, cancel := context.WithTimeout(c.bgCtx, 5*time.Second)
			err := c.cluster.RefreshMetadata(ctx)
			cancel()
			if err != nil {
				return // the next Count tries again
			}
			if i == 0 {
				c.routesFor.Store(sig)
			}
		}
	}()
}
