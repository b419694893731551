package cache

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/wandstore/wandstore/islands/shopper"
)

// watchEvery is how often the membership watcher looks at the member list.
const watchEvery = time.Second

// Membership is the cluster as this member sees it now: the members (by
// name, itself included), the coordinator, how many members it expects
// (Config.ExpectedMembers) and whether it sees fewer (Split). It reads
// this member's own member list (no network). A closed member sees
// nothing and reports a split.
func (c *Cache) Membership() shopper.Membership {
	m := shopper.Membership{Self: c.name, Members: []string{}, Expected: c.expected}
	if !c.closed.Load() {
		ms, err := c.client.Members(context.Background()) // never fails: a local read
		if err == nil {
			for _, mb := range ms {
				m.Members = append(m.Members, mb.Name)
				if mb.Coordinator {
					m.Coordinator = mb.Name
				}
			}
		}
	}
	slices.Sort(m.Members)
	m.Split = len(m.Members) < m.Expected
	return m
}

// Members is the number of members this member currently sees in the
// cluster, itself included. It reads local state.
func (c *Cache) Members() int { return len(c.Membership().Members) }

// Ping asks this member itself (a PING to its own address, answered by
// its own server): an error means this member cannot serve. It is
// deliberately local: a peer that dies is the cluster's problem, seen in
// Membership, not a reason for this member to report itself not ready.
func (c *Cache) Ping(ctx context.Context) error {
	if c.closed.Load() {
		return ErrClosed
	}
	if _, err := c.client.Ping(ctx, c.name, ""); err != nil {
		return fmt.Errorf("cache: ping %s: %w", c.name, err)
	}
	return nil
}

// watch logs the membership when the member starts and once each time it
// changes (who is in, the coordinator, split or not), at Warn: a member
// joining, leaving or dying, or a coordinator moving, is something an
// operator reads. It looks every interval until ctx ends.
func (c *Cache) watch(ctx context.Context, every time.Duration) {
	prev := c.Membership()
	level := slog.LevelInfo
	if prev.Split {
		level = slog.LevelWarn
	}
	c.log.Log(ctx, level, "olric cluster membership", membershipAttrs(prev)...)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cur := c.Membership()
		if c.closed.Load() || sameMembership(prev, cur) {
			continue
		}
		attrs := append(membershipAttrs(cur), "was", len(prev.Members))
		c.log.Warn("olric cluster membership changed", attrs...)
		prev = cur
	}
}

func sameMembership(a, b shopper.Membership) bool {
	return a.Coordinator == b.Coordinator && a.Split == b.Split && slices.Equal(a.Members, b.Members)
}

func membershipAttrs(m shopper.Membership) []any {
	return []any{"members", len(m.Members), "names", m.Members, "coordinator", m.Coordinator,
		"expected", m.Expected, "split", m.Split, "self", m.Self}
}
