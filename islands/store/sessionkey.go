package store

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

type sessionKeyRow struct {
	bun.BaseModel `bun:"table:session_keys,alias:k"`

	ID        int       `bun:"id,pk"`
	Key       string    `bun:"key"`
	CreatedAt time.Time `bun:"created_at"`
}

// SessionKey returns the key that signs shopper cookies for every server
// sharing this database. The first caller's candidate becomes the key
// (members starting at once race on one insert, and all read the winner's);
// later callers get that key back whatever they offer. A server offers a
// fresh random key, or the key of a session.key file it used before, so a
// single server moving to a shared database keeps its shoppers.
func (d *DB) SessionKey(ctx context.Context, candidate []byte) ([]byte, error) {
	if len(candidate) < 32 {
		return nil, fmt.Errorf("store: session key: candidate shorter than 32 bytes")
	}
	row := &sessionKeyRow{ID: 1, Key: hex.EncodeToString(candidate), CreatedAt: d.clock()}
	if _, err := d.w.NewInsert().Model(row).On("CONFLICT (id) DO NOTHING").Exec(ctx); err != nil {
		return nil, fmt.Errorf("store: session key: %w", err)
	}
	got := new(sessionKeyRow)
	if err := d.w.NewSelect().Model(got).Where("k.id = 1").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: session key: %w", err)
	}
	k, err := hex.DecodeString(got.Key)
	if err != nil || len(k) < 32 {
		return nil, fmt.Errorf("store: session key: the stored key is not 32+ bytes of hex")
	}
	return k, nil
}
