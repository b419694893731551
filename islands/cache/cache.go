// Package cache is the islands server's hot, shared, lossy layer: an
// embedded Olric member holding rendered fragments, hot copies of shopper
// state and rate-limit counters, shared with the other islands servers
// that join it. It implements shopper.Cache.
//
// Nothing here is the only copy of anything: Olric is AP, last write wins,
// and a member that dies takes its unreplicated keys with it. Callers
// treat every error as a miss and fall back to the durable store.
package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/olric-data/olric"

	"github.com/wandstore/wandstore/islands/shopper"
)

// routingRefresh is how often the routed client used by Count re-reads
// the routing table; until it does, after a member joins or leaves, Count
// may fall back to the member-local increment (see incr).
const routingRefresh = 5 * time.Second

// startedGrace is how long Open waits for Olric's Started callback once
// the member answers (see Open).
const startedGrace = time.Second

// DMap names.
const (
	fragmentsMap = "fragments"
	stateMap     = "state"
	ratelimitMap = "ratelimit"
)

// ErrClosed is returned by every method of a closed Cache.
var ErrClosed = errors.New("cache: closed")

// Cache is a running embedded Olric member and the DMaps the islands
// server uses. Its methods are safe for concurrent use.
type Cache struct {
	logw *slogWriter  // Olric's log lines; told when the member is closing
	log  *slog.Logger // the member's own lines (membership changes)

	// closed is set by Close: from then on every call fails with ErrClosed.
	// (Olric's embedded client keeps answering from the member's memory
	// after Shutdown: without this, a closed member would serve a private,
	// stale copy instead of failing over to the database.)
	closed atomic.Bool

	db     *olric.Olric
	client *olric.EmbeddedClient
	name   string // this member's bindAddr:bindPort
	done   chan error
	// expected is how many members this one expects (see Membership).
	expected int

	fragments, state, ratelimit olric.DMap

	// cluster sends each command to the key's partition owner; Count
	// increments through its routed ratelimit DMap (see incr).
	cluster   *olric.ClusterClient
	routed    olric.DMap
	routesFor atomic.Uint64 // memberSet signature cluster last refreshed for
	// memberSet's cached answer (see membersTTL).
	membersN   atomic.Int64
	membersSig atomic.Uint64
	membersAt  atomic.Int64
	refreshing atomic.Bool
	bgMu       sync.Mutex     // orders bg.Add before Close's bg.Wait
	bg         sync.WaitGroup // refreshRoutes, watch
	bgCtx      context.Context
	stopBg     context.CancelFunc

	// Lifetimes and clock; fields so tests can shorten and move them.
	fragmentTTL time.Duration
	stateTTL    time.Duration
	membersTTL  time.Duration // how long memberSet's answer is reused
	now         func() time.Time
}

var _ shopper.Cache = (*Cache)(nil)

// Open starts an embedded Olric member as cfg says, waits until it is
// ready (or cfg.StartTimeout, or ctx, runs out), and opens the DMaps. The
// member listens until Close. Errors: a bad config or file, a port in use,
// a member that does not become ready in time.
func Open(ctx context.Context, cfg Config) (*Cache, error) {
	timeout := cfg.StartTimeout
	if timeout <= 0 {
		timeout = defaultStartTimeout
	}
	deadline := time.Now().Add(timeout)
	for attempt := 1; ; attempt++ {
		c, err := openMember(ctx, cfg, time.Until(deadline))
		if err == nil || !errors.Is(err, errNotBootstrapped) || time.Until(deadline) < time.Second || ctx.Err() != nil {
			return c, err
		}
		// A member restarted right after a kill -9, under its old name,
		// can join a cluster whose coordinator never hands it a routing
		// table (Olric keeps treating it as the dead incarnation). A new
		// start, with a new birth date, joins as a new member: that heals
		// it, as a crash-looping restart would, but inside one start. It
		// comes only after openMember waited (see maxBootstrapWait).
		cfg.logger().Warn("cache: the cluster did not bootstrap this member; starting it again", "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(time.Duration(attempt) * 500 * time.Millisecond):
		}
	}
}

// errNotBootstrapped: the member joined but never received a routing table.
var errNotBootstrapped = errors.New("not bootstrapped by the cluster")

// maxBootstrapWait bounds how long one start of a member waits for the
// cluster's coordinator to bootstrap it before it is started again.
const maxBootstrapWait = 15 * time.Second

// untilBootstrapped calls f again while it fails because a member is not
// bootstrapped yet (olric.ErrOperationTimeout: Olric answers so after its
// bootstrapTimeout) until by, or ctx, runs out.
func untilBootstrapped(ctx context.Context, by time.Time, f func() error) error {
	for {
		err := f()
		if !isOperationTimeout(err) {
			return err
		}
		if time.Now().After(by) || ctx.Err() != nil {
			return fmt.Errorf("%w: %w", errNotBootstrapped, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// isOperationTimeout reports Olric's "operation timeout", what a member
// not bootstrapped yet answers. Olric has three errors of that text
// (olric, its internal routing table, pkg/neterrors), and the cluster
// client returns the internal one, which cannot be named from here.
func isOperationTimeout(err error) bool {
	return err != nil && (errors.Is(err, olric.ErrOperationTimeout) || strings.HasSuffix(err.Error(), "operation timeout"))
}

// openMember is one attempt of Open, within timeout.
func openMember(ctx context.Context, cfg Config, timeout time.Duration) (*Cache, error) {
	oc, err := cfg.olricConfig()
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	ready := make(chan struct{})
	oc.Started = func() { close(ready) }

	db, err := olric.New(oc)
	if err != nil {
		return nil, fmt.Errorf("cache: new olric member: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- db.Start() }()
	name := net.JoinHostPort(oc.BindAddr, strconv.Itoa(oc.BindPort))

	// Olric's Started callback waits on start checkpoints it counts for
	// the whole process: after one member in the process failed to start,
	// no later member's callback ever fires. So also poll: a PING to this
	// member is answered only once it has joined and its routing table is
	// bootstrapped. Started is still preferred (see startedGrace).
	operable := make(chan struct{})
	pollCtx, stopPoll := context.WithCancel(ctx)
	var poll sync.WaitGroup
	poll.Add(1)
	go func() {
		defer poll.Done()
		client := db.NewEmbeddedClient()
		for {
			if _, err := client.Ping(pollCtx, name, ""); err == nil {
				close(operable)
				return
			}
			select {
			case <-pollCtx.Done():
				return
			case <-time.After(25 * time.Millisecond):
			}
		}
	}()
	defer stopPoll()

	attemptBy := time.Now().Add(timeout)
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	// On failure the poller is left to finish its last PING on its own
	// (go-redis bounds it by the client readTimeout, not by ctx).
	fail := func(err error) (*Cache, error) {
		stopPoll()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = db.Shutdown(sctx)
		return nil, fmt.Errorf("cache: start olric member on %s: %w", name, err)
	}
	select {
	case <-ready:
	case <-operable:
		// Normally Started follows within its 10 ms poll. Waiting for it
		// also ends Olric's polling goroutine, which reads the checkpoint
		// counters unsynchronised: a later olric.New in this process
		// (tests, or a restart) would race with it.
		select {
		case <-ready:
		case <-time.After(startedGrace):
		}
	case err := <-done:
		if err == nil {
			err = errors.New("stopped before it was ready")
		}
		// Start has returned, so done is empty now: Close must not wait on it.
		done <- err
		return fail(err)
	case <-timer.C:
		return fail(fmt.Errorf("not ready after %s", timeout))
	case <-ctx.Done():
		return fail(ctx.Err())
	}
	stopPoll()
	poll.Wait() // ends at once: the member answers now

	logw, _ := oc.LogOutput.(*slogWriter)
	lg := cfg.logger()
	expected := cfg.ExpectedMembers
	if expected <= 0 {
		expected = len(oc.Peers) + 1
	}
	c := &Cache{
		logw:        logw,
		log:         lg.With("component", "cache"),
		db:          db,
		client:      db.NewEmbeddedClient(),
		name:        name,
		done:        done,
		expected:    expected,
		fragmentTTL: shopper.FragmentTTL,
		stateTTL:    shopper.StateTTL,
		membersTTL:  defaultMembersTTL,
		now:         time.Now,
	}
	// The coordinator hands a joining member its routing table after it
	// has worked out a new one, which asks every owner of every
	// partition for its length, one call at a time: seconds on a busy
	// machine, and it handles membership changes one after another. So
	// wait for it here, and give the member up (Open starts it again)
	// only after half of what is left: a start given up adds a leave
	// and a join to the coordinator's queue, and restarting every 3 s
	// (Olric's bootstrapTimeout) kept a member out of a loaded cluster
	// for good.
	bootstrapBy := time.Now().Add(min(maxBootstrapWait, time.Until(attemptBy)/2))
	for _, m := range []struct {
		name string
		dst  *olric.DMap
	}{{fragmentsMap, &c.fragments}, {stateMap, &c.state}, {ratelimitMap, &c.ratelimit}} {
		var dm olric.DMap
		err := untilBootstrapped(ctx, bootstrapBy, func() (err error) {
			dm, err = c.client.NewDMap(m.name)
			return err
		})
		if err != nil {
			return fail(fmt.Errorf("dmap %s: %w", m.name, err))
		}
		*m.dst = dm
	}
	// Made here rather than on first use, to keep Count free of lazy
	// set-up; it costs an idle connection pool and a routing-table fetch
	// every routingRefresh.
	// The routing table it loads comes from the coordinator, which, while
	// the cluster forms, may be a member not bootstrapped yet itself.
	cc := *oc.Client
	err = untilBootstrapped(ctx, bootstrapBy, func() (err error) {
		c.cluster, err = olric.NewClusterClient([]string{c.name},
			olric.WithConfig(&cc),
			olric.WithLogger(oc.Logger),
			olric.WithRoutingTableFetchInterval(routingRefresh))
		return err
	})
	if err != nil {
		return fail(fmt.Errorf("cluster client: %w", err))
	}
	if c.routed, err = c.cluster.NewDMap(ratelimitMap); err != nil {
		_ = c.cluster.Close(ctx)
		return fail(fmt.Errorf("cluster client dmap %s: %w", ratelimitMap, err))
	}
	_, sig := c.memberSet()
	c.routesFor.Store(sig)
	c.bgCtx, c.stopBg = context.WithCancel(context.Background())
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		c.watch(c.bgCtx, watchEvery)
	}()
	return c, nil
}

// Close leaves the cluster gracefully (peers take over this member's
// partitions from their replicas) and stops the member. It waits for ctx;
// calling it again does nothing.
func (c *Cache) Close(ctx context.Context) error {
	c.closed.Store(true)
	if c.logw != nil {
		c.logw.closing.Store(true)
	}
	c.bgMu.Lock()
	c.stopBg()
	c.bgMu.Unlock()
	c.bg.Wait()
	// The routed client's error is only about its own connections; the
	// member's shutdown is what matters. (A second Close returns nil.)
	_ = c.cluster.Close(ctx)
	if err := c.db.Shutdown(ctx); err != nil {
		return fmt.Errorf("cache: shutdown: %w", err)
	}
	select {
	case err := <-c.done:
		c.done <- nil // a second Close returns at once
		if err != nil {
			return fmt.Errorf("cache: member stopped: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("cache: shutdown: %w", ctx.Err())
	}
}

// Name is this member's address in the cluster (bindAddr:bindPort).
func (c *Cache) Name() string { return c.name }
