package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/olric-data/olric"
)

// Value returns the bytes cached under key by PutValue, a copy the caller
// owns. A miss (never stored, expired) is (nil, false, nil). Values share
// the fragments' DMap: give keys a prefix of their own ("ai|...").
func (c *Cache) Value(ctx context.Context, key string) ([]byte, bool, error) {
	return c.get(ctx, "", key)
}

// get reads key from the fragments' DMap (what names the kind of entry in
// errors: "fragment "), a copy the caller owns.
func (c *Cache) get(ctx context.Context, what, key string) ([]byte, bool, error) {
	if c.closed.Load() {
		return nil, false, ErrClosed
	}
	r, err := c.fragments.Get(ctx, key)
	if errors.Is(err, olric.ErrKeyNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cache: get %s%q: %w", what, key, err)
	}
	v, err := r.Byte()
	if err != nil {
		return nil, false, fmt.Errorf("cache: decode %s%q: %w", what, key, err)
	}
	// Copy: for a key held by this member, Olric v0.7.4 returns a slice of
	// its storage table (whatever its docs say), which compaction may
	// reuse for other keys and which an append would write into.
	return bytes.Clone(v), true, nil
}

// PutValue caches v under key for ttl (at least a millisecond), for every
// member of the cluster.
func (c *Cache) PutValue(ctx context.Context, key string, v []byte, ttl time.Duration) error {
	if c.closed.Load() {
		return ErrClosed
	}
	if ttl < time.Millisecond {
		return fmt.Errorf("cache: put %q: ttl %v under a millisecond", key, ttl)
	}
	return c.put(ctx, "", key, v, ttl)
}

// put writes v under key in the fragments' DMap for ttl.
func (c *Cache) put(ctx context.Context, what, key string, v []byte, ttl time.Duration) error {
	if err := c.fragments.Put(ctx, key, v, olric.PX(ttl)); err != nil {
		return fmt.Errorf("cache: put %s%q: %w", what, key, err)
	}
	return nil
}
