package cache

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// A message published on one member of three reaches the subscribers on
// every member, in order; a closed member's Publish fails.
func TestPublishReachesEveryMember(t *testing.T) {
	ctx := context.Background()
	ms := startCluster(t, 3, nil, nil)
	for i, m := range ms {
		eventually(t, 10*time.Second, fmt.Sprintf("member %d sees 3", i+1), func() error {
			if n := m.Members(); n != 3 {
				return fmt.Errorf("sees %d members", n)
			}
			return nil
		})
	}
	var mu sync.Mutex
	got := make([][]string, 3)
	for i, m := range ms {
		if err := m.Subscribe(ctx, "catalog", func(msg []byte) {
			mu.Lock()
			got[i] = append(got[i], string(msg))
			mu.Unlock()
		}); err != nil {
			t.Fatal(err)
		}
	}
	for k := 0; k < 5; k++ {
		if _, err := ms[1].Publish(ctx, "catalog", []byte(fmt.Sprintf("change %d", k))); err != nil {
			t.Fatal(err)
		}
	}
	want := "[change 0 change 1 change 2 change 3 change 4]"
	for i := range ms {
		eventually(t, 5*time.Second, fmt.Sprintf("member %d received", i+1), func() error {
			mu.Lock()
			defer mu.Unlock()
			if fmt.Sprint(got[i]) != want {
				return fmt.Errorf("got %v", got[i])
			}
			return nil
		})
	}
	// Another channel is not delivered.
	if _, err := ms[0].Publish(ctx, "other", []byte("x")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	if n := len(got[0]); n != 5 {
		t.Errorf("member 1 received %d messages; the other channel leaked", n)
	}
	mu.Unlock()
	closeCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := ms[2].Close(closeCtx); err != nil {
		t.Fatal(err)
	}
	if _, err := ms[2].Publish(ctx, "catalog", []byte("late")); err == nil {
		t.Fatal("a closed member published")
	}
}
