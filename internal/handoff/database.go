package handoff

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/wandstore/wandstore/internal/migration"
)

// Database is the Board of the database the islands servers share (the
// one `serve --db` names): for a build into a bucket, whose servers may
// be anywhere, and for every server, which follows it whatever it serves.
// Three small tables, migrated by Database:
//
//	handoff_servers   id, seen_at (Unix ms, the server's clock: its heartbeat)
//	handoff_versions  store, version (the last announced)
//	handoff_acks      server, store, version
//
// A registration is live while its heartbeat is younger than
// DatabaseStale by the reader's clock: members' clocks must agree to a
// few seconds (NTP).
//
// Writes go to db; the polls (announcements, acknowledgements, servers)
// to r, the database's read pool (nil: db), so on SQLite they do not
// queue behind the shoppers' writes on its one writer.
func Database(ctx context.Context, db, r *bun.DB, log *slog.Logger) (Board, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := migration.Up(ctx, db, migrations(), "handoff", log); err != nil {
		return nil, err
	}
	if r == nil {
		r = db
	}
	return &database{db: db, r: r}, nil
}

// DatabaseStale is how old a server's heartbeat in the database may be
// before it is taken for dead: missed heartbeats, and clock skew between
// machines.
const DatabaseStale = 10 * Heartbeat

// databasePoll is the database's Poll: a query a server makes this often.
const databasePoll = 100 * time.Millisecond

type database struct{ db, r *bun.DB }

type serverRow struct {
	bun.BaseModel `bun:"table:handoff_servers"`
	ID            string `bun:"id,pk"`
	SeenAt        int64  `bun:"seen_at,notnull"`
}

type versionRow struct {
	bun.BaseModel `bun:"table:handoff_versions"`
	Store         string `bun:"store,pk"`
	Version       string `bun:"version,notnull"`
}

type ackRow struct {
	bun.BaseModel `bun:"table:handoff_acks"`
	Server        string `bun:"server,pk"`
	Store         string `bun:"store,pk"`
	Version       string `bun:"version,notnull"`
}

func (d *database) Poll() time.Duration { return databasePoll }

func (d *database) Announce(ctx context.Context, store, version string) error {
	_, err := d.db.NewInsert().Model(&versionRow{Store: store, Version: version}).
		On("CONFLICT (store) DO UPDATE").Set("version = EXCLUDED.version").Exec(ctx)
	if err != nil {
		return fmt.Errorf("handoff: announce: %w", err)
	}
	return nil
}

func (d *database) Announcements(ctx context.Context) (map[string]string, error) {
	var rows []versionRow
	if err := d.r.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return nil, fmt.Errorf("handoff: announcements: %w", err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Store] = r.Version
	}
	return out, nil
}

func (d *database) Acknowledge(ctx context.Context, id, store, version string) error {
	_, err := d.db.NewInsert().Model(&ackRow{Server: id, Store: store, Version: version}).
		On("CONFLICT (server, store) DO UPDATE").Set("version = EXCLUDED.version").Exec(ctx)
	if err != nil {
		return fmt.Errorf("handoff: acknowledge: %w", err)
	}
	return nil
}

func (d *database) Acknowledged(ctx context.Context, id, store string) (string, error) {
	var rows []ackRow
	if err := d.r.NewSelect().Model(&rows).Where("server = ?", id).Where("store = ?", store).Scan(ctx); err != nil {
		return "", fmt.Errorf("handoff: acknowledged: %w", err)
	}
	if len(rows) == 0 {
		return "", nil
	}
	return rows[0].Version, nil
}

func (d *database) beat(ctx context.Context, id string, now time.Time) error {
	_, err := d.db.NewInsert().Model(&serverRow{ID: id, SeenAt: now.UnixMilli()}).
		On("CONFLICT (id) DO UPDATE").Set("seen_at = EXCLUDED.seen_at").Exec(ctx)
	return err
}

func (d *database) Register(ctx context.Context, id string) (stop func(), err error) {
	// A server that died (kill -9) under this id left its acknowledgements:
	// they speak for the catalogs it served, not this start's.
	if _, err := d.db.NewDelete().Model((*ackRow)(nil)).Where("server = ?", id).Exec(ctx); err != nil {
		return nil, fmt.Errorf("handoff: register: %w", err)
	}
	if err := d.beat(ctx, id, time.Now()); err != nil {
		return nil, fmt.Errorf("handoff: register: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	wait := heartbeat(ctx, func(now time.Time) {
		bctx, bcancel := context.WithTimeout(ctx, Heartbeat)
		defer bcancel()
		_ = d.beat(bctx, id, now) // a missed beat is retried at the next
	})
	return func() {
		cancel()
		wait()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = d.db.NewDelete().Model((*serverRow)(nil)).Where("id = ?", id).Exec(ctx)
		_, _ = d.db.NewDelete().Model((*ackRow)(nil)).Where("server = ?", id).Exec(ctx)
	}, nil
}

func (d *database) Servers(ctx context.Context) ([]string, error) {
	var ids []string
	err := d.r.NewSelect().Model((*serverRow)(nil)).Column("id").
		Where("seen_at > ?", time.Now().Add(-DatabaseStale).UnixMilli()).Order("id").Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("handoff: servers: %w", err)
	}
	return ids, nil
}

// Migrations follow islands/store's rules (Go functions, frozen structs,
// one transaction each, IF NOT EXISTS), recorded beside the others.
func migrations() *migrate.Migrations {
	ms := migrate.NewMigrations()
	ms.Add(migration.InTx("20261212000003", "handoff_servers_versions_acks", up1))
	return ms
}

// The schema of migration 1, frozen.

type m1Server struct {
	bun.BaseModel `bun:"table:handoff_servers"`
	ID            string `bun:"id,pk,notnull"`
	SeenAt        int64  `bun:"seen_at,notnull"`
}

type m1Version struct {
	bun.BaseModel `bun:"table:handoff_versions"`
	Store         string `bun:"store,pk,notnull"`
	Version       string `bun:"version,notnull"`
}

type m1Ack struct {
	bun.BaseModel `bun:"table:handoff_acks"`
	Server        string `bun:"server,pk,notnull"`
	Store         string `bun:"store,pk,notnull"`
	Version       string `bun:"version,notnull"`
}

func up1(ctx context.Context, db bun.IDB) error {
	return migration.CreateTables(ctx,
		db.NewCreateTable().Model((*m1Server)(nil)),
		db.NewCreateTable().Model((*m1Version)(nil)),
		db.NewCreateTable().Model((*m1Ack)(nil)),
	)
}
