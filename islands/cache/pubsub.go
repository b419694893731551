package cache

import (
	"context"
	"fmt"

	"github.com/olric-data/olric"
)

// Publish sends message to every member subscribed to channel, across the
// cluster (Olric's pub/sub), and returns how many subscribers it reached.
// Delivery is at most once: a member that is down or restarting misses it
// (whoever needs every message also reconciles).
func (c *Cache) Publish(ctx context.Context, channel string, message []byte) (int64, error) {
	if c.closed.Load() {
		return 0, ErrClosed
	}
	ps, err := c.client.NewPubSub(olric.ToAddress(c.name))
	if err != nil {
		return 0, fmt.Errorf("cache: publish: %w", err)
	}
	n, err := ps.Publish(ctx, channel, message)
	if err != nil {
		return 0, fmt.Errorf("cache: publish: %w", err)
	}
	return n, nil
}

// Subscribe calls fn with each message published on channel (by any
// member) until ctx ends or the cache closes. It returns once the
// subscription is in place, so a message published after it returns is
// received. fn runs on one goroutine, in order of arrival.
func (c *Cache) Subscribe(ctx context.Context, channel string, fn func([]byte)) error {
	if c.closed.Load() {
		return ErrClosed
	}
	ps, err := c.client.NewPubSub(olric.ToAddress(c.name))
	if err != nil {
		return fmt.Errorf("cache: subscribe: %w", err)
	}
	sub := ps.Subscribe(ctx, channel)
	if _, err := sub.Receive(ctx); err != nil { // the subscription's confirmation
		sub.Close()
		return fmt.Errorf("cache: subscribe %s: %w", channel, err)
	}
	ch := sub.Channel()
	c.bgMu.Lock()
	c.bg.Add(1)
	c.bgMu.Unlock()
	go func() {
		defer c.bg.Done()
		defer sub.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case <-c.bgCtx.Done():
				return
			case m, ok := <-ch:
				if !ok {
					return
				}
				fn([]byte(m.Payload))
			}
		}
	}()
	return nil
}
