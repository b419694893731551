package ai

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// Log writes the adapter's calls to ai_calls in batches: Add and Hit only
// append to memory; Run flushes every interval, and Close flushes what is
// left. A generated line's cache hits are counted, one row per store,
// segment and flush, not one per fragment view. When the database is
// slow, at most maxPending calls wait; more are dropped and counted.
type Log struct {
	db    bun.IDB
	every time.Duration
	now   func() time.Time
	log   *slog.Logger

	mu      sync.Mutex
	pending []Call
	hits    map[hitKey]*Call
	dropped int

	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	pruned time.Time // Run's last Prune
}

// KeepCalls is how long ai_calls rows are kept: Run deletes older ones
// about once an hour, so the table does not grow for ever.
const KeepCalls = 30 * 24 * time.Hour

type hitKey struct{ store, segment, model string }

const maxPending = 10_000

// NewLog returns a Log writing to db every interval (default 10 s). Call
// Run to start flushing and Close to stop.
func NewLog(db bun.IDB, every time.Duration, log *slog.Logger) *Log {
	if every <= 0 {
		every = 10 * time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Log{db: db, every: every, now: time.Now, log: log, hits: map[hitKey]*Call{}, stop: make(chan struct{}), done: make(chan struct{})}
}

// Add queues a call.
func (l *Log) Add(c Call) {
	if l == nil {
		return
	}
	if c.At.IsZero() {
		c.At = l.now()
	}
	// A NUL byte (a model may send \u0000) or invalid UTF-8 would make
	// the batch's insert fail on every flush.
	c.Prompt, c.Output, c.Outcome = storable(c.Prompt), storable(c.Output), storable(c.Outcome)
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.pending) >= maxPending {
		l.dropped++
		return
	}
	l.pending = append(l.pending, c)
}

// Hit counts a line of copy served from the cache; prompt is called for
// the first hit of a segment in each flush (the row's prompt), not for
// every hit.
func (l *Log) Hit(store, segment, model string, prompt func() string, latency time.Duration) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	k := hitKey{store, segment, model}
	c := l.hits[k]
	if c == nil {
		c = &Call{At: l.now(), Store: store, Kind: "copy", Segment: segment, Model: model, CacheHit: true, Outcome: "cache hit"}
		if prompt != nil {
			c.Prompt = storable(prompt())
		}
		l.hits[k] = c
	}
	c.Hits++
	c.LatencyMS = max(c.LatencyMS, latency.Milliseconds())
}

// Run flushes every interval until Close.
func (l *Log) Run() {
	defer close(l.done)
	t := time.NewTicker(l.every)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), l.every)
			if err := l.Flush(ctx); err != nil {
				l.log.Warn("ai: log flush failed; the calls are kept for the next", "err", err)
			}
			if now := l.now(); now.Sub(l.pruned) > time.Hour {
				if _, err := l.Prune(ctx); err != nil {
					l.log.Warn("ai: pruning old calls failed", "err", err)
				} else {
					l.pruned = now
				}
			}
			cancel()
		}
	}
}

// Flush writes what is queued, in one insert. On failure the calls are
// queued again (up to maxPending).
func (l *Log) Flush(ctx context.Context) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	batch := l.pending
	l.pending = nil
	for _, c := range l.hits {
		batch = append(batch, *c)
	}
	clear(l.hits)
	dropped := l.dropped
	l.dropped = 0
	l.mu.Unlock()
	if dropped > 0 {
		l.log.Warn("ai: log calls dropped (the database was too slow)", "dropped", dropped)
	}
	if len(batch) == 0 {
		return nil
	}
	for i := range batch {
		batch[i].At = batch[i].At.UTC().Truncate(time.Microsecond)
		batch[i].ID = 0
	}
	if _, err := l.db.NewInsert().Model(&batch).Exec(ctx); err != nil {
		l.mu.Lock()
		room := maxPending - len(l.pending)
		if len(batch) > room {
			l.dropped += len(batch) - room
			batch = batch[:max(room, 0)]
		}
		l.pending = append(batch, l.pending...)
		l.mu.Unlock()
		return err
	}
	return nil
}

// Prune deletes the calls logged more than KeepCalls ago (every member
// may: a delete of rows already gone is harmless) and says how many.
func (l *Log) Prune(ctx context.Context) (int64, error) {
	res, err := l.db.NewDelete().Model((*Call)(nil)).Where("at < ?", l.now().Add(-KeepCalls).UTC()).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Close stops Run (when it runs) and flushes what is left.
func (l *Log) Close(ctx context.Context, running bool) error {
	if l == nil {
		return nil
	}
	l.once.Do(func() { close(l.stop) })
	if running {
		<-l.done
	}
	return l.Flush(ctx)
}

// storable is s as a database text column takes it: valid UTF-8, no NUL.
func storable(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}
