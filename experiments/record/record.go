// Package record keeps an experiment's exposures and conversions in the
// islands' database (SQLite or PostgreSQL through Bun) and reads them
// back as results (experiments.Analyze).
//
// Recording is in memory (a map under one mutex); a Recorder writes what
// it gathered every FlushEvery (5 s) in one transaction, and keeps it for
// the next flush when the database fails, so a shopper's fragment views
// never cost a write each. An exposure is kept once per shopper and
// experiment, with the time it was first seen (the database keeps the
// first: a later exposure of the same shopper, from this member or
// another, changes nothing); a conversion is a goal event with its value.
package record

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/internal/migration"
)

// Options configure Open.
type Options struct {
	// FlushEvery is how often Run writes; default 5 s.
	FlushEvery time.Duration
	Now        func() time.Time
	Log        *slog.Logger
}

// Recorder gathers exposures and conversions in memory and writes them to
// the database. A nil *Recorder records nothing, so callers need not
// check.
type Recorder struct {
	db    *bun.DB
	every time.Duration
	now   func() time.Time
	log   *slog.Logger

	mu          sync.Mutex
	exposures   map[exposureKey]exposure
	conversions []conversion
	// written are exposures already in the database (or on their way), so
	// a shopper's every fragment view is not written again; forgotten
	// when it grows past maxWritten (the database's key dedupes anyway).
	written map[exposureKey]bool

	flushMu  sync.Mutex // one flush at a time
	dropped  int
	stop     chan struct{}
	stopOnce sync.Once
	running  atomic.Bool
	done     chan struct{}
}

type exposureKey struct{ store, experiment, shopper string }

type exposure struct {
	variant string
	at      int64 // Unix microseconds
}

// The tables' rows.

type exposureRow struct {
	bun.BaseModel `bun:"table:experiment_exposures"`

	Store      string `bun:"store,pk"`
	Experiment string `bun:"experiment,pk"`
	Shopper    string `bun:"shopper,pk"`
	Variant    string `bun:"variant,notnull"`
	FirstSeen  int64  `bun:"first_seen_us,notnull"` // Unix microseconds
}

type conversion struct {
	bun.BaseModel `bun:"table:experiment_conversions"`

	ID      int64  `bun:"id,pk,autoincrement"`
	Store   string `bun:"store,notnull"`
	Shopper string `bun:"shopper,notnull"`
	Goal    string `bun:"goal,notnull"`
	Value   int64  `bun:"value,notnull"` // minor units of the store's currency (an order's total); 0 for add_to_cart
	At      int64  `bun:"at_us,notnull"` // Unix microseconds
}

// Open migrates the experiments' tables of db and returns a Recorder;
// call Run to write in the background, or Flush.
func Open(ctx context.Context, db *bun.DB, opts Options) (*Recorder, error) {
	if opts.FlushEvery <= 0 {
		opts.FlushEvery = 5 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if err := Migrate(ctx, db, opts.Log); err != nil {
		return nil, err
	}
	return &Recorder{db: db, every: opts.FlushEvery, now: opts.Now, log: opts.Log,
		exposures: map[exposureKey]exposure{}, written: map[exposureKey]bool{},
		stop: make(chan struct{}), done: make(chan struct{})}, nil
}

// Migrate creates or updates the experiments' tables.
func Migrate(ctx context.Context, db *bun.DB, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return migration.Up(ctx, db, migrations(), "experiments", log)
}

// Expose records that shopper was shown variant of experiment in store:
// call it when an island renders what the experiment is about (for every
// variant, the control too), on a fragment cache hit as well. Only the
// first exposure of a shopper to an experiment counts.
func (r *Recorder) Expose(store, experiment, variant, shopper string) {
	if r == nil || shopper == "" {
		return
	}
	k := exposureKey{store, experiment, shopper}
	at := r.now().UnixMicro()
	r.mu.Lock()
	if !r.written[k] {
		if _, ok := r.exposures[k]; !ok {
			r.exposures[k] = exposure{variant: variant, at: at}
		}
	}
	r.mu.Unlock()
}

// Convert records that shopper reached goal in store: GoalAddToCart when
// a line is added to the cart (value 0), GoalCheckout when an order is
// placed, with the order's total in minor units as value (the revenue
// goal reads the checkouts' values). It counts for the experiments the
// shopper was exposed to before it.
func (r *Recorder) Convert(store, shopper string, goal catalog.Goal, value int64) {
	if r == nil || shopper == "" {
		return
	}
	if goal == catalog.GoalRevenue {
		goal = catalog.GoalCheckout
	}
	c := conversion{Store: store, Shopper: shopper, Goal: string(goal), Value: value, At: r.now().UnixMicro()}
	r.mu.Lock()
	r.conversions = append(r.conversions, c)
	r.mu.Unlock()
}

// Run flushes every FlushEvery until ctx ends or Close is called.
func (r *Recorder) Run(ctx context.Context) {
	if r == nil || !r.running.CompareAndSwap(false, true) {
		return
	}
	defer close(r.done)
	t := time.NewTicker(r.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.stop:
			return
		case <-t.C:
			fctx, cancel := context.WithTimeout(ctx, r.every)
			if err := r.Flush(fctx); err != nil && ctx.Err() == nil {
				r.log.Warn("experiments: could not write exposures and conversions; kept for the next try", "err", err)
			}
			cancel()
		}
	}
}

// Close stops Run (if it runs) and writes what is left.
func (r *Recorder) Close(ctx context.Context) error {
	if r == nil {
		return nil
	}
	r.stopOnce.Do(func() { close(r.stop) })
	if r.running.Load() {
		<-r.done
	}
	return r.Flush(ctx)
}

// Bounds of what is kept in memory.
const (
	maxPending = 200_000 // exposures, and conversions, kept while the database fails
	maxWritten = 500_000 // exposures remembered as written
	batch      = 1000    // rows per INSERT (SQLite's bound on a statement's variables)
)

// Flush writes what was recorded since the last flush in one
// transaction; on failure it is kept for the next flush.
func (r *Recorder) Flush(ctx context.Context) error {
	if r == nil {
		return nil
	}
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.mu.Lock()
	exps, convs := r.exposures, r.conversions
	r.exposures, r.conversions = map[exposureKey]exposure{}, nil
	r.mu.Unlock()
	if len(exps) == 0 && len(convs) == 0 {
		return nil
	}
	rows := make([]exposureRow, 0, len(exps))
	for k, e := range exps {
		rows = append(rows, exposureRow{Store: k.store, Experiment: k.experiment, Shopper: k.shopper, Variant: e.variant, FirstSeen: e.at})
	}
	err := r.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for i := 0; i < len(rows); i += batch {
			part := rows[i:min(i+batch, len(rows))]
			if _, err := tx.NewInsert().Model(&part).On("CONFLICT (store, experiment, shopper) DO NOTHING").Exec(ctx); err != nil {
				return err
			}
		}
		for i := 0; i < len(convs); i += batch {
			part := convs[i:min(i+batch, len(convs))]
			if _, err := tx.NewInsert().Model(&part).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		for k, e := range exps {
			if cur, ok := r.exposures[k]; !ok || e.at < cur.at {
				r.exposures[k] = e
			}
		}
		for i := range convs {
			convs[i].ID = 0
		}
		r.conversions = append(convs, r.conversions...)
		r.trim()
		return fmt.Errorf("experiments: flush: %w", err)
	}
	if len(r.written)+len(exps) > maxWritten {
		r.written = map[exposureKey]bool{}
	}
	for k := range exps {
		r.written[k] = true
		delete(r.exposures, k) // recorded again while this flush ran
	}
	return nil
}

// trim drops what is kept past maxPending (the oldest conversions; any
// exposures); r.mu is held.
func (r *Recorder) trim() {
	if n := len(r.conversions) - maxPending; n > 0 {
		r.conversions = r.conversions[n:]
		r.dropped += n
	}
	for k := range r.exposures {
		if len(r.exposures) <= maxPending {
			break
		}
		delete(r.exposures, k)
		r.dropped++
	}
	if r.dropped > 0 {
		r.log.Warn("experiments: the database has been failing: dropped exposures and conversions", "rows", r.dropped)
	}
}

// Migrations follow islands/store's rules (Go functions, frozen structs,
// one transaction each, IF NOT EXISTS), recorded in the database's one
// bookkeeping table beside the others'.
func migrations() *migrate.Migrations {
	ms := migrate.NewMigrations()
	ms.Add(migration.InTx("20261213000001", "experiment_exposures_conversions", up1))
	return ms
}

// The schema of migration 1, frozen.

type m1Exposure struct {
	bun.BaseModel `bun:"table:experiment_exposures"`

	Store      string `bun:"store,pk,notnull"`
	Experiment string `bun:"experiment,pk,notnull"`
	Shopper    string `bun:"shopper,pk,notnull"`
	Variant    string `bun:"variant,notnull"`
	FirstSeen  int64  `bun:"first_seen_us,notnull"`
}

type m1Conversion struct {
	bun.BaseModel `bun:"table:experiment_conversions"`

	ID      int64  `bun:"id,pk,autoincrement"`
	Store   string `bun:"store,notnull"`
	Shopper string `bun:"shopper,notnull"`
	Goal    string `bun:"goal,notnull"`
	Value   int64  `bun:"value,notnull"`
	At      int64  `bun:"at_us,notnull"`
}

// up1 creates experiment_exposures (keyed by store, experiment and
// shopper: one row per exposed shopper; counted per variant from an index
// that covers the count) and experiment_conversions (read by store and
// goal, joined to the exposures by shopper).
func up1(ctx context.Context, db bun.IDB) error {
	if err := migration.CreateTables(ctx,
		db.NewCreateTable().Model((*m1Exposure)(nil)),
		db.NewCreateTable().Model((*m1Conversion)(nil)),
	); err != nil {
		return err
	}
	if _, err := db.NewCreateIndex().Table("experiment_exposures").Index("experiment_exposures_variant_idx").
		Column("store", "experiment", "variant").IfNotExists().Exec(ctx); err != nil {
		return err
	}
	_, err := db.NewCreateIndex().Table("experiment_conversions").Index("experiment_conversions_goal_idx").
		Column("store", "goal", "shopper").IfNotExists().Exec(ctx)
	return err
}
