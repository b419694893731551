package retry

import (
	"net/http"
	"testing"
	"time"
)

func TestExponential(t *testing.T) {
	for _, c := range []struct {
		n    int
		want time.Duration
	}{{0, time.Second}, {1, time.Second}, {2, 2 * time.Second}, {4, 8 * time.Second}, {5, 10 * time.Second}, {80, 10 * time.Second}} {
		if got := Exponential(c.n, time.Second, 10*time.Second, 0); got != c.want {
			t.Errorf("Exponential(%d) = %v, want %v", c.n, got, c.want)
		}
	}
	for range 200 {
		if got := Exponential(3, time.Second, time.Minute, 0.5); got < 2*time.Second || got > 4*time.Second {
			t.Fatalf("with half jitter: %v, want within 2..4 s", got)
		}
	}
}

func TestAfter(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for h, want := range map[string]time.Duration{
		"":      0,
		"3":     3 * time.Second,
		" 1.5 ": 1500 * time.Millisecond,
		"0":     0,
		"-4":    0,
		"soon":  0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Hour).Format(http.TimeFormat):       0,
	} {
		if got := After(h, now); got != want {
			t.Errorf("After(%q) = %v, want %v", h, got, want)
		}
	}
}
