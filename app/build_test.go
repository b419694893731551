package app

import (
	"testing"
	"time"
)

// The build's summary says where its time went, phases in the order they
// run and any other after them; a phase that took nothing is left out.
func TestPhasesLine(t *testing.T) {
	got := phasesLine(map[string]time.Duration{
		"other": 65 * time.Millisecond, "plan": 340 * time.Millisecond, "load": 190400 * time.Microsecond,
		"images": 0, "zzz": time.Millisecond, "validate": 110 * time.Millisecond, "before publish": 12 * time.Millisecond,
	})
	want := "load 190ms, validate 110ms, before publish 12ms, plan 340ms, other 65ms, zzz 1ms"
	if got != want {
		t.Errorf("phasesLine:\n got %q\nwant %q", got, want)
	}
	if got := phasesLine(nil); got != "" {
		t.Errorf("no phases: %q", got)
	}
}
