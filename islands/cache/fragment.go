package cache

import (
	"context"
)

// Fragment returns the cached fragment under key, a copy the caller owns.
// A miss (never stored, expired) is (nil, false, nil); any other failure
// is an error, which callers also treat as a miss.
func (c *Cache) Fragment(ctx context.Context, key string) ([]byte, bool, error) {
	return c.get(ctx, "fragment ", key)
}

// PutFragment caches html under key for shopper.FragmentTTL. Olric copies
// html before it returns. Errors: Olric's (ErrKeyTooLarge over 256 bytes of
// key, ErrEntryTooLarge over the kvstore tableSize, cluster errors).
func (c *Cache) PutFragment(ctx context.Context, key string, html []byte) error {
	if c.closed.Load() {
		return ErrClosed
	}
	return c.put(ctx, "fragment ", key, html, c.fragmentTTL)
}
