package ops

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Latencies are counted in buckets whose upper bounds grow by 2^(1/4)
// (19%) from 50 µs: bucket i holds durations in (bound(i-1), bound(i)],
// the last one everything above 9.3 s. A percentile read from them is the
// upper bound of the bucket it falls in (capped at the largest duration
// seen), so it overstates by at most 19%: plenty for a dashboard, and
// each (minute, route) costs one small row however many requests it had.
// Buckets of several members and minutes add up, which averages of
// percentiles would not.
const (
	nBuckets = 72
	firstUS  = 50.0 // the first bucket's upper bound, µs
)

// Hist counts durations in nBuckets buckets.
type Hist [nBuckets]uint32

// bucket is the index of the bucket holding us microseconds.
func bucket(us int64) int {
	if us <= firstUS {
		return 0
	}
	i := int(math.Ceil(4 * math.Log2(float64(us)/firstUS)))
	return min(i, nBuckets-1)
}

// bound is bucket i's upper bound.
func bound(i int) time.Duration {
	return time.Duration(firstUS * math.Exp2(float64(i)/4) * float64(time.Microsecond))
}

// Add counts one duration of us microseconds.
func (h *Hist) Add(us int64) { h[bucket(us)]++ }

// Merge adds o's counts to h.
func (h *Hist) Merge(o *Hist) {
	for i, n := range o {
		h[i] += n
	}
}

// Quantile is the duration below which a fraction q (0 < q <= 1) of the
// counted durations fall, as the upper bound of the bucket that holds it;
// 0 when nothing was counted.
func (h *Hist) Quantile(q float64) time.Duration {
	var total uint64
	for _, n := range h {
		total += uint64(n)
	}
	if total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(total)))
	rank = max(rank, 1)
	var seen uint64
	for i, n := range h {
		seen += uint64(n)
		if seen >= rank {
			return bound(i)
		}
	}
	return bound(nBuckets - 1)
}

// encode writes the non-empty buckets as "i:n,i:n" (a minute of one
// route usually fills a handful).
func (h *Hist) encode() string {
	var b strings.Builder
	for i, n := range h {
		if n == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(i))
		b.WriteByte(':')
		b.WriteString(strconv.FormatUint(uint64(n), 10))
	}
	return b.String()
}

// decodeHist reads encode's form; a malformed entry is skipped (a row
// from a newer binary with more buckets keeps the ones this one knows).
func decodeHist(s string) *Hist {
	h := new(Hist)
	for s != "" {
		var part string
		part, s, _ = strings.Cut(s, ",")
		is, ns, ok := strings.Cut(part, ":")
		if !ok {
			continue
		}
		i, err1 := strconv.Atoi(is)
		n, err2 := strconv.ParseUint(ns, 10, 32)
		if err1 != nil || err2 != nil || i < 0 || i >= nBuckets {
			continue
		}
		h[i] += uint32(n)
	}
	return h
}
