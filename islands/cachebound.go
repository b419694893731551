package islands

import (
	"context"
	"time"

	"github.com/wandstore/wandstore/islands/shopper"
)

// boundedCache holds every call to the cache to its context's deadline,
// even where the cache itself does not: Olric's calls to another member
// wait on the connection with no deadline of their own, and a member that
// joined but is not yet bootstrapped answers only after its bootstrap
// timeout (3 s, olric.yaml's bootstrapTimeout). Such a call is left to finish in the background while
// the request goes on without the cache, as it does on any cache error.
type boundedCache struct{ c shopper.Cache }

var _ shopper.Cache = boundedCache{}

type result[T any] struct {
	v   T
	ok  bool
	err error
}

// within runs f, returning when it does or when ctx is done, whichever
// comes first. Without a deadline it simply calls f.
func within[T any](ctx context.Context, f func() (T, bool, error)) (T, bool, error) {
	if _, ok := ctx.Deadline(); !ok {
		return f()
	}
	ch := make(chan result[T], 1)
	go func() {
		v, ok, err := f()
		ch <- result[T]{v, ok, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.ok, r.err
	case <-ctx.Done():
		var zero T
		return zero, false, ctx.Err()
	}
}

func (b boundedCache) Fragment(ctx context.Context, key string) ([]byte, bool, error) {
	return within(ctx, func() ([]byte, bool, error) { return b.c.Fragment(ctx, key) })
}

func (b boundedCache) PutFragment(ctx context.Context, key string, html []byte) error {
	_, _, err := within(ctx, func() (struct{}, bool, error) { return struct{}{}, true, b.c.PutFragment(ctx, key, html) })
	return err
}

func (b boundedCache) State(ctx context.Context, store string, id shopper.ID) (*shopper.State, bool, error) {
	return within(ctx, func() (*shopper.State, bool, error) { return b.c.State(ctx, store, id) })
}

func (b boundedCache) StateVersion(ctx context.Context, store string, id shopper.ID) (int64, bool, error) {
	return within(ctx, func() (int64, bool, error) { return b.c.StateVersion(ctx, store, id) })
}

func (b boundedCache) PutState(ctx context.Context, st *shopper.State) error {
	_, _, err := within(ctx, func() (struct{}, bool, error) { return struct{}{}, true, b.c.PutState(ctx, st) })
	return err
}

func (b boundedCache) DropState(ctx context.Context, store string, id shopper.ID) error {
	_, _, err := within(ctx, func() (struct{}, bool, error) { return struct{}{}, true, b.c.DropState(ctx, store, id) })
	return err
}

func (b boundedCache) Add(ctx context.Context, key string, delta int64, window time.Duration) (int64, error) {
	n, _, err := within(ctx, func() (int64, bool, error) {
		n, err := b.c.Add(ctx, key, delta, window)
		return n, true, err
	})
	return n, err
}

func (b boundedCache) Ping(ctx context.Context) error {
	_, _, err := within(ctx, func() (struct{}, bool, error) { return struct{}{}, true, b.c.Ping(ctx) })
	return err
}
