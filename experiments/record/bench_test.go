package record

import (
	"strconv"
	"testing"

	"github.com/wandstore/wandstore/internal/testkit"
)

// What an island pays per render to record an exposure (in memory; the
// flush is apart).
func BenchmarkExpose(b *testing.B) {
	r, err := Open(b.Context(), openDB(b, testkit.DSN(b)), Options{})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, 4096)
	for i := range ids {
		ids[i] = "shopper-" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.Expose("wands", "greet", "control", ids[i%len(ids)])
	}
}
