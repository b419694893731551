package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"time"
)

// Lead is a role (the webhook worker, the reconciler) held by one process
// at a time among those sharing the database.
type Lead struct {
	// Lost is closed when the role may have been lost (the connection that
	// holds it failed): stop acting as its holder.
	Lost <-chan struct{}
	// Release gives the role up; it is safe to call more than once.
	Release func()
}

// leadCheck is how often a holder checks its hold is alive.
const leadCheck = time.Second

// TryLead takes role if no other process holds it. On PostgreSQL the role
// is a session advisory lock on a connection kept for the purpose: it is
// freed when the holder releases it or its process dies (the server sees
// the connection close, kill -9 included), so another member takes over
// within a second or two. On SQLite, a database of one server, the role is
// always granted. ok is false when another process holds it.
func (d *DB) TryLead(ctx context.Context, role string) (lead *Lead, ok bool, err error) {
	lost := make(chan struct{})
	if !d.postgres {
		return &Lead{Lost: lost, Release: func() {}}, true, nil
	}
	key := leadKey(role)
	conn, err := d.w.DB.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("store: lead %s: %w", role, err)
	}
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok); err != nil || !ok {
		conn.Close()
		if err != nil {
			return nil, false, fmt.Errorf("store: lead %s: %w", role, err)
		}
		return nil, false, nil
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(lost)
		t := time.NewTicker(leadCheck)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			cctx, cancel := context.WithTimeout(context.Background(), leadCheck)
			err := conn.PingContext(cctx)
			cancel()
			if err != nil {
				d.log.Warn("store: the connection holding a role failed; giving the role up", "role", role, "err", err)
				return
			}
		}
	}()
	var released bool
	release := func() {
		if released {
			return
		}
		released = true
		close(stop)
		<-done
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var unlocked bool
		if err := conn.QueryRowContext(ctx, "SELECT pg_advisory_unlock($1)", key).Scan(&unlocked); err != nil && !errors.Is(err, context.Canceled) {
			d.log.Warn("store: releasing a role", "role", role, "err", err)
		}
		conn.Close() // closing the session frees the lock in any case
	}
	return &Lead{Lost: lost, Release: release}, true, nil
}

// leadKey is role's advisory lock key.
func leadKey(role string) int64 {
	h := fnv.New64a()
	h.Write([]byte("wandstore-lead:" + role))
	return int64(h.Sum64())
}
