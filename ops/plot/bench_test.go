package plot

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math"
	"testing"
	"time"
)

// benchChart is a chart of two latency-like series over n steps.
func benchChart(n int, step time.Duration, kind Kind) Chart {
	a := make([]float64, n)
	b := make([]float64, n)
	for i := range a {
		a[i] = 40 + 30*math.Sin(float64(i)/7) + float64(i%3)
		b[i] = 120 + 80*math.Cos(float64(i)/5) + float64(i%7)
	}
	return Chart{Title: "Latency per route", Start: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), Step: step,
		Kind: kind, Unit: "ms", Series: []Series{{"p50", a}, {"p99", b}}}
}

// benchSVG renders c and reports its size, raw and gzipped.
func benchSVG(b *testing.B, c Chart) {
	var out []byte
	for b.Loop() {
		out = c.SVG()
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	fmt.Fprint(zw, string(out))
	zw.Close()
	b.ReportMetric(float64(len(out)), "svg-bytes")
	b.ReportMetric(float64(z.Len()), "gzip-bytes")
}

func BenchmarkHour1m2Series(b *testing.B)     { benchSVG(b, benchChart(60, time.Minute, Lines)) }
func BenchmarkDay15m2Series(b *testing.B)     { benchSVG(b, benchChart(96, 15*time.Minute, Lines)) }
func BenchmarkDay1m2Series(b *testing.B)      { benchSVG(b, benchChart(1440, time.Minute, Lines)) }
func BenchmarkDay15m2SeriesBars(b *testing.B) { benchSVG(b, benchChart(96, 15*time.Minute, Bars)) }

func BenchmarkSparkline60(b *testing.B) {
	v := benchChart(60, time.Minute, Lines).Series[0].Values
	for b.Loop() {
		Sparkline(v, "p50")
	}
}
