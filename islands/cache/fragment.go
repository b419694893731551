package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/olric-data/olric"
)

// Fragment returns the cached fragment under key, a copy the caller owns.
// A miss (never stored, expired) is (nil, false, nil); any other failure
// is an error, which callers also treat as a miss.
func (c *Cache) Fragment(ctx context.Context, key string) ([]byte, bool, error) {
	if c.closed.Load() {
		return nil, false, ErrClosed
	}
	r, err := c.fragments.Get(ctx, key)
	if errors.Is(err, olric.ErrKeyNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cache: get fragment %q: %w", key, err)
	}
	html, err := r.Byte()
	if err != nil {
		return nil, false, fmt.Errorf("cache: decode fragment %q: %w", key, err)
	}
	// Copy: for a key held by this member, Olric v0.7.4 returns a slice of
	// its storage table (whatever its docs say), which compaction may
	// reuse for other keys and which an append would write into.
	return bytes.Clone(html), true, nil
}

// PutFragment caches html under key for shopper.FragmentTTL. Olric copies
// html before it returns. Errors: Olric's (ErrKeyTooLarge over 256 bytes of
// key, ErrEntryTooLarge over the kvstore tableSize, cluster errors).
func (c *Cache) PutFragment(ctx context.Context, key string, html []byte) error {
	if c.closed.Load() {
		return ErrClosed
	}
	if err := c.fragments.Put(ctx, key, html, olric.PX(c.fragmentTTL)); err != nil {
		return fmt.Errorf("cache: put fragment %q: %w", key, err)
	}
	return nil
}
