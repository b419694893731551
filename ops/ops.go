// Package ops records what a server does, minute by minute, in its
// database, and reads it back for the operator's dashboard (/admin/):
// requests and their latency per route, fragment cache hits, rate-limit
// refusals, webhook deliveries, publishes, reconciles, carts, and which
// member leads. Every member of a cluster writes its own rows into the
// database they share, so the dashboard of any member shows them all, and
// they survive a restart.
//
// Recording is in memory (a map of this minute's figures under one
// mutex: a few hundred nanoseconds a request, see BenchmarkRequest); a
// Recorder writes what it gathered every FlushEvery (10 s) in one
// transaction, and keeps it for the next flush when the database fails.
// Rows older than Keep (48 h) are pruned; each row is also added to its
// quarter hour's, which the day's view reads (kept two weeks).
package ops

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/wandstore/wandstore/internal/migration"
)

// What is recorded: a series, labelled (route, outcome...), per store and
// minute. Counters add up; Requests also sums and buckets latency; gauges
// (WebhookLag) keep the largest value of the minute.
const (
	Requests   = "requests"    // label: route; Count, Sum (µs), Max (µs), Hist
	Errors     = "errors"      // label: route; answers with a 5xx status
	Fragments  = "fragments"   // label: "hit" or "miss"
	Limited    = "limited"     // label: scope ("ip", "shopper", "webhook")
	Webhooks   = "webhooks"    // label: "received", "applied", "skipped", "retried", "failed"
	WebhookLag = "webhook_lag" // gauge, ms: received to applied
	Published  = "published"   // label: "publishes", "rendered", "written", "deleted"
	Reconciles = "reconciles"  // label: "runs", "repaired" (files written or deleted)
	Carts      = "carts"       // label: "created"
	Lead       = "lead"        // label: the role this member held that minute
	Up         = "up"          // label: ""; Count flushes, Max the last one's Unix second: the member was alive
)

// Event kinds (Event.Kind).
const (
	KindBuild     = "build"     // wandgen build
	KindPublish   = "publish"   // a webhook change or a start published by a server
	KindReconcile = "reconcile" // a store read again from its shop
)

// Options configure Open.
type Options struct {
	// Member names this process in the rows it writes: one per member of
	// a cluster (its cache address), the same across its restarts.
	// Default: the host name.
	Member string
	// FlushEvery is how often Run writes; default 10 s.
	FlushEvery time.Duration
	// Keep is how long rows are kept; default 48 h (events: 7 days).
	Keep time.Duration
	Now  func() time.Time
	Log  *slog.Logger
	// Reader, when set, serves the reads (Read, Members, Events): the
	// database's read pool, so the dashboard does not queue the shoppers'
	// writes behind it on SQLite's one writer. Default: the db given.
	Reader *bun.DB
}

// Recorder gathers figures in memory and writes them to the database. A
// nil *Recorder records nothing, so callers need not check.
type Recorder struct {
	db     *bun.DB
	rdb    *bun.DB // reads
	member string
	every  time.Duration
	keep   time.Duration
	now    func() time.Time
	log    *slog.Logger

	mu      sync.Mutex
	pending map[key]*agg
	events  []Event
	leads   map[string]bool

	flushMu  sync.Mutex // one flush at a time
	pruned   time.Time  // last prune
	dropped  int        // rows dropped because the database kept failing
	stop     chan struct{}
	stopOnce sync.Once
	runMu    sync.Mutex // running, closed: a Run after Close does nothing
	running  bool
	closed   bool
	done     chan struct{}
}

type key struct {
	minute               int64 // Unix minutes
	store, series, label string
}

// agg is one row's figures.
type agg struct {
	count, sum, max int64
	hist            *Hist // Requests only
}

func (a *agg) merge(o *agg) {
	a.count += o.count
	a.sum += o.sum
	a.max = max(a.max, o.max)
	if o.hist != nil {
		if a.hist == nil {
			a.hist = new(Hist)
		}
		a.hist.Merge(o.hist)
	}
}

// Event is one build, publish or reconcile.
type Event struct {
	bun.BaseModel `bun:"table:ops_events"`

	ID       int64         `bun:"id,pk,autoincrement"`
	At       time.Time     `bun:"at,notnull"`
	Member   string        `bun:"member,notnull"`
	Store    string        `bun:"store,notnull"`
	Kind     string        `bun:"kind,notnull"`
	Rendered int           `bun:"rendered,notnull"`
	Written  int           `bun:"written,notnull"`
	Deleted  int           `bun:"deleted,notnull"`
	Duration time.Duration `bun:"duration_ns,notnull"`
	// Detail says what happened in words: what a reconcile repaired, or
	// why it failed (Failed).
	Detail string `bun:"detail,notnull"`
	Failed bool   `bun:"failed,notnull"`
}

// Open migrates the ops tables of db and returns a Recorder; call Run to
// write in the background, or Flush.
func Open(ctx context.Context, db *bun.DB, opts Options) (*Recorder, error) {
	if opts.Member == "" {
		opts.Member, _ = os.Hostname()
		if opts.Member == "" {
			opts.Member = "member"
		}
	}
	if opts.FlushEvery <= 0 {
		opts.FlushEvery = 10 * time.Second
	}
	if opts.Keep <= 0 {
		opts.Keep = 48 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if err := migration.Up(ctx, db, migrations(), "ops", opts.Log); err != nil {
		return nil, err
	}
	if opts.Reader == nil {
		opts.Reader = db
	}
	return &Recorder{
		db: db, rdb: opts.Reader, member: opts.Member, every: opts.FlushEvery, keep: opts.Keep, now: opts.Now, log: opts.Log,
		pending: map[key]*agg{}, leads: map[string]bool{},
		stop: make(chan struct{}), done: make(chan struct{}),
	}, nil
}

// Member is the name this Recorder writes its rows under.
func (r *Recorder) Member() string {
	if r == nil {
		return ""
	}
	return r.member
}

func minuteOf(t time.Time) int64 { return t.Unix() / 60 }

// get returns the row for k, made if missing; r.mu is held.
func (r *Recorder) get(k key) *agg {
	a := r.pending[k]
	if a == nil {
		a = &agg{}
		r.pending[k] = a
	}
	return a
}

// Request records one answer of route in store: its status and how long
// it took.
func (r *Recorder) Request(store, route string, status int, d time.Duration) {
	if r == nil {
		return
	}
	us := d.Microseconds()
	m := minuteOf(r.now())
	r.mu.Lock()
	a := r.get(key{m, store, Requests, route})
	a.count++
	a.sum += us
	a.max = max(a.max, us)
	if a.hist == nil {
		a.hist = new(Hist)
	}
	a.hist.Add(us)
	if status >= 500 {
		r.get(key{m, store, Errors, route}).count++
	}
	r.mu.Unlock()
}

// Add adds n to a counter.
func (r *Recorder) Add(store, series, label string, n int64) {
	if r == nil || n == 0 {
		return
	}
	m := minuteOf(r.now())
	r.mu.Lock()
	r.get(key{m, store, series, label}).count += n
	r.mu.Unlock()
}

// Gauge records a value of a gauge (WebhookLag): the minute keeps the
// largest, and the mean (Sum/Count).
func (r *Recorder) Gauge(store, series string, v int64) {
	if r == nil {
		return
	}
	m := minuteOf(r.now())
	r.mu.Lock()
	a := r.get(key{m, store, series, ""})
	a.count++
	a.sum += v
	a.max = max(a.max, v)
	r.mu.Unlock()
}

// Leads says whether this member holds role (regen's leader): every flush
// while it does writes a Lead row, so the dashboard names the leader.
func (r *Recorder) Leads(role string, leads bool) {
	if r == nil {
		return
	}
	r.mu.Lock()
	if leads {
		r.leads[role] = true
	} else {
		delete(r.leads, role)
	}
	r.mu.Unlock()
}

// Event records e (At and Member are filled when zero); it is written
// with the next flush.
func (r *Recorder) Event(e Event) {
	if r == nil {
		return
	}
	if e.At.IsZero() {
		e.At = r.now()
	}
	if e.Member == "" {
		e.Member = r.member
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	if len(e.Detail) > 500 {
		e.Detail = e.Detail[:500]
	}
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// Run flushes every FlushEvery until ctx ends or Close is called.
func (r *Recorder) Run(ctx context.Context) {
	if r == nil {
		return
	}
	r.runMu.Lock()
	if r.closed || r.running {
		r.runMu.Unlock()
		return
	}
	r.running = true
	r.runMu.Unlock()
	defer close(r.done)
	t := time.NewTicker(r.every)
	defer t.Stop()
	// At once: the member is listed (and its lead named) from its start,
	// not from its first tick, which a kill -9 may never see.
	r.flushLogged(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.stop:
			return
		case <-t.C:
			r.flushLogged(ctx)
		}
	}
}

// flushLogged flushes, bounded by FlushEvery, and logs a failure.
func (r *Recorder) flushLogged(ctx context.Context) {
	fctx, cancel := context.WithTimeout(ctx, r.every)
	defer cancel()
	if err := r.Flush(fctx); err != nil && ctx.Err() == nil {
		r.log.Warn("ops: could not write the dashboard's figures; kept for the next try", "err", err)
	}
}

// Close stops Run (if it runs) and writes what is left.
func (r *Recorder) Close(ctx context.Context) error {
	if r == nil {
		return nil
	}
	r.runMu.Lock()
	r.closed = true
	running := r.running
	r.runMu.Unlock()
	r.stopOnce.Do(func() { close(r.stop) })
	if running {
		select {
		case <-r.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return r.Flush(ctx)
}

// maxPending bounds what is kept while the database fails: past it, the
// oldest minutes are dropped (and counted in the log).
const maxPending = 50_000

// Flush writes what was recorded since the last flush: each row is added
// to what the database has for it (this member's earlier flushes of the
// same minute), in one transaction. On failure the figures are kept for
// the next flush.
func (r *Recorder) Flush(ctx context.Context) error {
	if r == nil {
		return nil
	}
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	now := r.now()
	m := minuteOf(now)
	r.mu.Lock()
	rows, events := r.pending, r.events
	r.pending, r.events = map[key]*agg{}, nil
	for role := range r.leads {
		rows[key{m, "", Lead, role}] = &agg{count: 1, sum: 1, max: 1}
	}
	r.mu.Unlock()
	// The heartbeat: a count of flushes, and the time of the last (Unix
	// seconds, in max), which says to the second when a member went quiet.
	up := rows[key{m, "", Up, ""}]
	if up == nil {
		up = &agg{}
		rows[key{m, "", Up, ""}] = up
	}
	up.count++
	up.max = now.Unix()
	err := r.write(ctx, rows, events)
	if err != nil {
		r.mu.Lock()
		for k, a := range rows {
			if k.series == Up || k.series == Lead {
				continue // written by the next flush anyway
			}
			if cur := r.pending[k]; cur != nil {
				cur.merge(a)
			} else {
				r.pending[k] = a
			}
		}
		r.events = append(events, r.events...)
		r.trim()
		r.mu.Unlock()
		return err
	}
	if now.Sub(r.pruned) > time.Hour {
		if err := r.prune(ctx, now); err != nil {
			r.log.Warn("ops: prune", "err", err)
		} else {
			r.pruned = now
		}
	}
	return nil
}

// trim drops what is kept past maxPending, oldest minutes first; r.mu is
// held.
func (r *Recorder) trim() {
	if over := len(r.pending) - maxPending; over > 0 {
		keys := make([]key, 0, len(r.pending))
		for k := range r.pending {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b key) int { return cmp.Compare(a.minute, b.minute) })
		for _, k := range keys[:over] {
			delete(r.pending, k)
		}
		r.dropped += over
	}
	if n := len(r.events) - maxPending; n > 0 {
		r.events = r.events[n:]
		r.dropped += n
	}
	if r.dropped > 0 {
		r.log.Warn("ops: the database has been failing: dropped the oldest figures", "rows", r.dropped)
	}
}

// row is one (member, minute, store, series, label) in the database.
type row struct {
	bun.BaseModel `bun:"table:ops_minutes,alias:m"`

	Member string `bun:"member,pk"`
	Minute int64  `bun:"minute,pk"`
	Store  string `bun:"store,pk"`
	Series string `bun:"series,pk"`
	Label  string `bun:"label,pk"`
	Count  int64  `bun:"count,notnull"`
	Sum    int64  `bun:"sum,notnull"`
	Max    int64  `bun:"max,notnull"`
	Hist   string `bun:"hist,notnull"`
}

// The figures are kept twice: per minute (tableMinutes, for the last
// hour) and per quarter hour (tableQuarters, for the last day: a fifteenth
// of the rows to read). A quarter's row is in the minute column too, at
// its first minute.
const (
	tableMinutes  = "ops_minutes"
	tableQuarters = "ops_quarters"
	quarter       = 15 // minutes
)

func (r *Recorder) write(ctx context.Context, rows map[key]*agg, events []Event) error {
	if len(rows) == 0 && len(events) == 0 {
		return nil
	}
	quarters := map[key]*agg{}
	for k, a := range rows {
		if k.series == Up || k.series == Lead {
			continue // who was up, and who led, is read by the minute
		}
		q := k
		q.minute -= k.minute % quarter
		if cur := quarters[q]; cur != nil {
			cur.merge(a)
		} else {
			c := &agg{}
			c.merge(a)
			quarters[q] = c
		}
	}
	err := r.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := r.upsert(ctx, tx, tableMinutes, rows); err != nil {
			return err
		}
		if err := r.upsert(ctx, tx, tableQuarters, quarters); err != nil {
			return err
		}
		if len(events) > 0 {
			if _, err := tx.NewInsert().Model(&events).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ops: flush: %w", err)
	}
	return nil
}

// upsert adds rows to what table has for them: this member's earlier
// flushes of the same minutes (or its previous run's) are added to, not
// overwritten.
func (r *Recorder) upsert(ctx context.Context, tx bun.Tx, table string, rows map[key]*agg) error {
	if len(rows) == 0 {
		return nil
	}
	var minutes []int64
	seen := map[int64]bool{}
	for k := range rows {
		if !seen[k.minute] {
			seen[k.minute] = true
			minutes = append(minutes, k.minute)
		}
	}
	var have []row
	if err := tx.NewSelect().Model(&have).ModelTableExpr(table+" AS m").Where("member = ?", r.member).
		Where("minute IN (?)", bun.List(minutes)).Scan(ctx); err != nil {
		return err
	}
	old := make(map[key]row, len(have))
	for _, h := range have {
		old[key{h.Minute, h.Store, h.Series, h.Label}] = h
	}
	out := make([]row, 0, len(rows))
	for k, a := range rows {
		sum := *a
		if h, ok := old[k]; ok {
			prev := agg{count: h.Count, sum: h.Sum, max: h.Max}
			if h.Hist != "" {
				prev.hist = decodeHist(h.Hist)
			}
			prev.merge(&sum)
			sum = prev
		}
		rw := row{Member: r.member, Minute: k.minute, Store: k.store, Series: k.series, Label: k.label,
			Count: sum.count, Sum: sum.sum, Max: sum.max}
		if sum.hist != nil {
			rw.Hist = sum.hist.encode()
		}
		out = append(out, rw)
	}
	_, err := tx.NewInsert().Model(&out).ModelTableExpr(table).
		On("CONFLICT (member, minute, store, series, label) DO UPDATE").
		Set("count = EXCLUDED.count").Set("sum = EXCLUDED.sum").
		Set("max = EXCLUDED.max").Set("hist = EXCLUDED.hist").
		Exec(ctx)
	return err
}

// keepQuarters is how long the quarter-hour rows are kept.
const keepQuarters = 14 * 24 * time.Hour

// prune deletes minutes older than Keep, quarters older than two weeks
// and events older than a week.
func (r *Recorder) prune(ctx context.Context, now time.Time) error {
	if _, err := r.db.NewDelete().Model((*row)(nil)).ModelTableExpr(tableMinutes+" AS m").
		Where("minute < ?", minuteOf(now.Add(-r.keep))).Exec(ctx); err != nil {
		return err
	}
	if _, err := r.db.NewDelete().Model((*row)(nil)).ModelTableExpr(tableQuarters+" AS m").
		Where("minute < ?", minuteOf(now.Add(-keepQuarters))).Exec(ctx); err != nil {
		return err
	}
	_, err := r.db.NewDelete().Model((*Event)(nil)).Where("at < ?", now.Add(-7*24*time.Hour).UTC()).Exec(ctx)
	return err
}

// Migrations follow islands/store's rules (Go functions, frozen structs,
// one transaction each, IF NOT EXISTS), recorded in the database's one
// bookkeeping table beside the others'.
func migrations() *migrate.Migrations {
	ms := migrate.NewMigrations()
	ms.Add(migration.InTx("20261212000001", "ops_minutes_events", up1))
	ms.Add(migration.InTx("20261212000002", "ops_quarters", up2))
	return ms
}

// The schema of migration 1, frozen.

type m1Minute struct {
	bun.BaseModel `bun:"table:ops_minutes"`

	Member string `bun:"member,pk,notnull"`
	Minute int64  `bun:"minute,pk,notnull"`
	Store  string `bun:"store,pk,notnull"`
	Series string `bun:"series,pk,notnull"`
	Label  string `bun:"label,pk,notnull"`
	Count  int64  `bun:"count,notnull"`
	Sum    int64  `bun:"sum,notnull"`
	Max    int64  `bun:"max,notnull"`
	Hist   string `bun:"hist,notnull"`
}

type m1Event struct {
	bun.BaseModel `bun:"table:ops_events"`

	ID         int64     `bun:"id,pk,autoincrement"`
	At         time.Time `bun:"at,notnull"`
	Member     string    `bun:"member,notnull"`
	Store      string    `bun:"store,notnull"`
	Kind       string    `bun:"kind,notnull"`
	Rendered   int       `bun:"rendered,notnull"`
	Written    int       `bun:"written,notnull"`
	Deleted    int       `bun:"deleted,notnull"`
	DurationNS int64     `bun:"duration_ns,notnull"`
	Detail     string    `bun:"detail,notnull"`
	Failed     bool      `bun:"failed,notnull"`
}

// up1 creates ops_minutes, read by minute range (every member's rows:
// the index) and written by its key, and ops_events, read newest first.
func up1(ctx context.Context, db bun.IDB) error {
	if err := migration.CreateTables(ctx,
		db.NewCreateTable().Model((*m1Minute)(nil)),
		db.NewCreateTable().Model((*m1Event)(nil)),
	); err != nil {
		return err
	}
	if _, err := db.NewCreateIndex().Table("ops_minutes").Index("ops_minutes_minute_idx").
		Column("minute").IfNotExists().Exec(ctx); err != nil {
		return err
	}
	_, err := db.NewCreateIndex().Table("ops_events").Index("ops_events_at_idx").
		Column("at").IfNotExists().Exec(ctx)
	return err
}

// WriteEvents writes events at once, for a process that is not a member
// (wandgen build): no figures, no heartbeat. At and Member must be set.
func WriteEvents(ctx context.Context, db *bun.DB, events []Event, log *slog.Logger) error {
	if len(events) == 0 {
		return nil
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := migration.Up(ctx, db, migrations(), "ops", log); err != nil {
		return err
	}
	for i := range events {
		events[i].At = events[i].At.UTC().Truncate(time.Microsecond)
	}
	if _, err := db.NewInsert().Model(&events).Exec(ctx); err != nil {
		return fmt.Errorf("ops: write events: %w", err)
	}
	return nil
}

// The schema of migration 2, frozen.

// m2Quarter is ops_minutes' shape, a row per quarter hour.
type m2Quarter struct {
	bun.BaseModel `bun:"table:ops_quarters"`

	Member string `bun:"member,pk,notnull"`
	Minute int64  `bun:"minute,pk,notnull"`
	Store  string `bun:"store,pk,notnull"`
	Series string `bun:"series,pk,notnull"`
	Label  string `bun:"label,pk,notnull"`
	Count  int64  `bun:"count,notnull"`
	Sum    int64  `bun:"sum,notnull"`
	Max    int64  `bun:"max,notnull"`
	Hist   string `bun:"hist,notnull"`
}

// up2 adds ops_quarters, read by minute range like ops_minutes, and an
// index for the members' list (the latest "up" row of each member).
func up2(ctx context.Context, db bun.IDB) error {
	if _, err := db.NewCreateTable().Model((*m2Quarter)(nil)).IfNotExists().Exec(ctx); err != nil {
		return err
	}
	if _, err := db.NewCreateIndex().Table("ops_minutes").Index("ops_minutes_series_idx").
		Column("series", "member", "minute").IfNotExists().Exec(ctx); err != nil {
		return err
	}
	_, err := db.NewCreateIndex().Table("ops_quarters").Index("ops_quarters_minute_idx").
		Column("minute").IfNotExists().Exec(ctx)
	return err
}
