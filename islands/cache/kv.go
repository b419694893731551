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
	if c.closed.Load() {
		return nil, false, ErrClosed
	}
	r, err := c.fragments.Get(ctx, key)
	if errors.Is(err, olric.ErrKeyNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cache: get %q: %w", key, err)
	}
	v, err := r.Byte()
	if err != nil {
		return nil, false, fmt.Errorf("cache: decode %q: %w", key, err)
	}
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
	if err := c.fragments.Put(ctx, key, v, olric.PX(ttl)); err != nil {
		return fmt.Errorf("cache: put %q: %w", key, err)
	}
	return nil
}
