package cache

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/olric-data/olric"

	"github.com/wandstore/wandstore/islands/shopper"
)

// State is kept as JSON rather than gob: one value per key means gob
// would send its type description with every value (a fresh Encoder each
// time), JSON is as tolerant of added and removed fields while members of
// two versions share a cluster during a rolling deploy, and a hot copy
// can be read by eye when debugging.

// A hot copy is "v<version>\n" and the state as JSON: a fragment lookup
// needs only the version (it is part of the fragment's key), and reading
// the prefix costs nothing next to decoding the whole state.

func encodeState(st *shopper.State) ([]byte, error) {
	js, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(js)+24)
	out = append(out, 'v')
	out = strconv.AppendInt(out, st.Version, 10)
	out = append(out, '\n')
	return append(out, js...), nil
}

// splitState returns the version prefix and the JSON of a hot copy.
func splitState(raw []byte) (int64, []byte, error) {
	head, body, ok := bytes.Cut(raw, []byte("\n"))
	if !ok || len(head) < 2 || head[0] != 'v' {
		return 0, nil, errors.New("no version prefix")
	}
	v, err := strconv.ParseInt(string(head[1:]), 10, 64)
	if err != nil {
		return 0, nil, errors.New("bad version prefix")
	}
	return v, body, nil
}

// StateVersion returns the version of the hot copy of a shopper's state
// without decoding it; ok is false on a miss.
func (c *Cache) StateVersion(ctx context.Context, store string, id shopper.ID) (int64, bool, error) {
	if c.closed.Load() {
		return 0, false, ErrClosed
	}
	key := stateKey(store, id)
	r, err := c.state.Get(ctx, key)
	if errors.Is(err, olric.ErrKeyNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("cache: get state %q: %w", key, err)
	}
	raw, err := r.Byte()
	if err != nil {
		return 0, false, fmt.Errorf("cache: read state %q: %w", key, err)
	}
	if len(raw) == 0 { // DropState's tombstone
		return 0, false, nil
	}
	v, _, err := splitState(raw)
	if err != nil {
		return 0, false, fmt.Errorf("cache: state %q: %w", key, err)
	}
	return v, true, nil
}

func stateKey(store string, id shopper.ID) string {
	return store + "|" + string(id)
}

// State returns the hot copy of a shopper's state in a store. A miss is
// (nil, false, nil). A value that does not decode, or that belongs to
// another store or shopper, is an error (and a miss to callers).
func (c *Cache) State(ctx context.Context, store string, id shopper.ID) (*shopper.State, bool, error) {
	if c.closed.Load() {
		return nil, false, ErrClosed
	}
	key := stateKey(store, id)
	r, err := c.state.Get(ctx, key)
	if errors.Is(err, olric.ErrKeyNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cache: get state %q: %w", key, err)
	}
	raw, err := r.Byte()
	if err != nil {
		return nil, false, fmt.Errorf("cache: read state %q: %w", key, err)
	}
	raw = bytes.Clone(raw) // Olric's storage, maybe (see Fragment)
	if len(raw) == 0 {     // DropState's tombstone
		return nil, false, nil
	}
	_, body, err := splitState(raw)
	if err != nil {
		return nil, false, fmt.Errorf("cache: state %q: %w", key, err)
	}
	st := new(shopper.State)
	if err := json.Unmarshal(body, st); err != nil {
		return nil, false, fmt.Errorf("cache: decode state %q: %w", key, err)
	}
	if st.Store != store || st.Shopper != id {
		return nil, false, fmt.Errorf("cache: state %q holds %q|%q", key, st.Store, st.Shopper)
	}
	return st, true, nil
}

// PutState replaces the hot copy of st (keyed by st.Store and st.Shopper)
// for shopper.StateTTL. Olric is last-write-wins: callers put only the
// state their durable write returned.
func (c *Cache) PutState(ctx context.Context, st *shopper.State) error {
	if c.closed.Load() {
		return ErrClosed
	}
	if st == nil {
		return errors.New("cache: put state: nil state")
	}
	key := stateKey(st.Store, st.Shopper)
	raw, err := encodeState(st)
	if err != nil {
		return fmt.Errorf("cache: encode state %q: %w", key, err)
	}
	if err := c.state.Put(ctx, key, raw, olric.PX(c.stateTTL)); err != nil {
		return fmt.Errorf("cache: put state %q: %w", key, err)
	}
	return nil
}

// DropState removes the hot copy; dropping one that is not there is not
// an error.
//
// It writes an empty value (a tombstone, which State reads as a miss) for
// StateTTL instead of deleting: in Olric v0.7.4 Delete does nothing when
// the partition's current owner has no local copy, as right after a
// member leaves, and Get then still finds the old state on a replica or a
// previous owner. A newer write wins over every such copy.
func (c *Cache) DropState(ctx context.Context, store string, id shopper.ID) error {
	if c.closed.Load() {
		return ErrClosed
	}
	key := stateKey(store, id)
	if err := c.state.Put(ctx, key, []byte{}, olric.PX(c.stateTTL)); err != nil {
		return fmt.Errorf("cache: drop state %q: %w", key, err)
	}
	return nil
}
