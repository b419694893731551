package ai

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/wandstore/wandstore/internal/migration"
)

// The adapter's tables live in the islands servers' database (SQLite or
// PostgreSQL), beside the others and migrated the same way:
//
//   - ai_embeddings: a product text's vector, by embedding model and the
//     SHA-256 of the text. Every member sharing the database shares them,
//     so a cluster embeds a product once, and a restart embeds nothing
//     that did not change.
//   - ai_calls: the log of the model's use, as the origin design's AI
//     gateway kept it: prompt, model, tokens, latency, outcome, and how
//     many cache hits a generated line served (written in batches).

// Migrate creates or updates the adapter's tables.
func Migrate(ctx context.Context, db *bun.DB, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return migration.Up(ctx, db, migrations(), "ai", log)
}

func migrations() *migrate.Migrations {
	ms := migrate.NewMigrations()
	ms.Add(migration.InTx("20261213000101", "ai_embeddings_calls", up1))
	return ms
}

// The schema of migration 1, frozen.

type m1Embedding struct {
	bun.BaseModel `bun:"table:ai_embeddings"`

	Model   string    `bun:"model,pk,notnull"`
	Hash    string    `bun:"hash,pk,notnull"` // hex SHA-256 of the text
	Dim     int       `bun:"dim,notnull"`
	Vector  []byte    `bun:"vector,notnull"` // Dim float32s, little-endian
	Created time.Time `bun:"created_at,notnull"`
}

type m1Call struct {
	bun.BaseModel `bun:"table:ai_calls"`

	ID               int64     `bun:"id,pk,autoincrement"`
	At               time.Time `bun:"at,notnull"`
	Store            string    `bun:"store,notnull"`
	Kind             string    `bun:"kind,notnull"`    // "copy", "embeddings"
	Segment          string    `bun:"segment,notnull"` // what the copy was for; "" for embeddings
	Model            string    `bun:"model,notnull"`
	Prompt           string    `bun:"prompt,notnull"`
	Output           string    `bun:"output,notnull"`
	PromptTokens     int       `bun:"prompt_tokens,notnull"`
	CompletionTokens int       `bun:"completion_tokens,notnull"`
	LatencyMS        int64     `bun:"latency_ms,notnull"`
	CacheHit         bool      `bun:"cache_hit,notnull"`
	Hits             int       `bun:"hits,notnull"` // cache hits this row stands for
	Outcome          string    `bun:"outcome,notnull"`
}

func up1(ctx context.Context, db bun.IDB) error {
	if err := migration.CreateTables(ctx,
		db.NewCreateTable().Model((*m1Embedding)(nil)),
		db.NewCreateTable().Model((*m1Call)(nil)),
	); err != nil {
		return err
	}
	_, err := db.NewCreateIndex().Table("ai_calls").Index("ai_calls_at_idx").Column("at").IfNotExists().Exec(ctx)
	return err
}

// Call is one row of ai_calls.
type Call struct {
	bun.BaseModel `bun:"table:ai_calls"`

	ID               int64     `bun:"id,pk,autoincrement"`
	At               time.Time `bun:"at,notnull"`
	Store            string    `bun:"store,notnull"`
	Kind             string    `bun:"kind,notnull"`
	Segment          string    `bun:"segment,notnull"`
	Model            string    `bun:"model,notnull"`
	Prompt           string    `bun:"prompt,notnull"`
	Output           string    `bun:"output,notnull"`
	PromptTokens     int       `bun:"prompt_tokens,notnull"`
	CompletionTokens int       `bun:"completion_tokens,notnull"`
	LatencyMS        int64     `bun:"latency_ms,notnull"`
	CacheHit         bool      `bun:"cache_hit,notnull"`
	Hits             int       `bun:"hits,notnull"`
	Outcome          string    `bun:"outcome,notnull"` // "ok", "error: ...", "cache hit"
}

// Calls reads the newest calls logged, at most limit, newest first.
func Calls(ctx context.Context, db bun.IDB, limit int) ([]Call, error) {
	var out []Call
	err := db.NewSelect().Model(&out).Order("id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("ai: read calls: %w", err)
	}
	return out, nil
}

type embeddingRow struct {
	bun.BaseModel `bun:"table:ai_embeddings"`

	Model   string    `bun:"model,pk,notnull"`
	Hash    string    `bun:"hash,pk,notnull"`
	Dim     int       `bun:"dim,notnull"`
	Vector  []byte    `bun:"vector,notnull"`
	Created time.Time `bun:"created_at,notnull"`
}

// loadVectors reads the vectors of model stored under hashes.
func loadVectors(ctx context.Context, db bun.IDB, model string, hashes []string) (map[string][]float32, error) {
	out := map[string][]float32{}
	const chunk = 500
	for i := 0; i < len(hashes); i += chunk {
		var rows []embeddingRow
		err := db.NewSelect().Model(&rows).Where("model = ?", model).
			Where("hash IN (?)", bun.List(hashes[i:min(i+chunk, len(hashes))])).Scan(ctx)
		if err != nil {
			return nil, fmt.Errorf("ai: read embeddings: %w", err)
		}
		for _, r := range rows {
			if v, ok := decodeVector(r.Vector, r.Dim); ok {
				out[r.Hash] = v
			}
		}
	}
	return out, nil
}

// saveVectors stores vectors by hash (a row already there is kept).
func saveVectors(ctx context.Context, db bun.IDB, model string, vecs map[string][]float32, now time.Time) error {
	if len(vecs) == 0 {
		return nil
	}
	rows := make([]embeddingRow, 0, len(vecs))
	for h, v := range vecs {
		rows = append(rows, embeddingRow{Model: model, Hash: h, Dim: len(v), Vector: encodeVector(v), Created: now.UTC()})
	}
	const chunk = 200
	for i := 0; i < len(rows); i += chunk {
		part := rows[i:min(i+chunk, len(rows))]
		if _, err := db.NewInsert().Model(&part).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
			return fmt.Errorf("ai: write embeddings: %w", err)
		}
	}
	return nil
}

func encodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func decodeVector(b []byte, dim int) ([]float32, bool) {
	if dim <= 0 || len(b) != 4*dim {
		return nil, false
	}
	v := make([]float32, dim)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, true
}
