package plot

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// formatTick formats a y tick value. Ticks are multiples of a 1-2-5 step, so
// the fewest decimals that show v exactly (at most 3) are enough.
func formatTick(v float64, unit string) string {
	return formatWith(v, unit, func(x float64) int {
		for d := 0; d < 3; d++ {
			p := math.Pow10(d)
			if math.Abs(x*p-math.Round(x*p)) < 1e-6*math.Max(1, math.Abs(x*p)) {
				return d
			}
		}
		return 3
	})
}

// formatValue formats a data value for the description: three significant
// digits, trailing zeros dropped.
func formatValue(v float64, unit string) string {
	return formatWith(v, unit, func(x float64) int {
		if x == 0 {
			return 0
		}
		d := 2 - int(math.Floor(math.Log10(math.Abs(x))))
		return min(max(d, 0), 6)
	})
}

// formatWith scales v to a compact suffix (k, M, G; milliseconds of 1000 and
// more become seconds), prints it with decimals(scaled) decimals and appends
// the unit: separated by a space when it starts with a letter ("12 ms"),
// attached otherwise ("50%", "1.2k/min").
func formatWith(v float64, unit string, decimals func(float64) int) string {
	suffix := ""
	if unit == "ms" && math.Abs(v) >= 1000 {
		v /= 1000
		unit = "s"
	} else {
		switch a := math.Abs(v); {
		case a >= 1e9:
			v, suffix = v/1e9, "G"
		case a >= 1e6:
			v, suffix = v/1e6, "M"
		case a >= 1e3:
			v, suffix = v/1e3, "k"
		}
	}
	s := strconv.FormatFloat(v, 'f', decimals(v), 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	s += suffix
	if unit == "" {
		return s
	}
	if c := unit[0]; c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
		return s + " " + unit
	}
	return s + unit
}

// textWidth estimates the width in viewBox units of s at the chart's font
// size, for laying out the y labels and the legend without a font.
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		switch r {
		case '.', ',', ' ', ':', '/', 'i', 'l', 'j', 't', 'f', 'I', '|', '\'':
			w += 0.3
		case 'm', 'w', 'M', 'W', '%', '@':
			w += 0.85
		default:
			if r >= 'A' && r <= 'Z' {
				w += 0.68
			} else {
				w += 0.6
			}
		}
	}
	return w * fontSize
}

// humanDuration writes a step for the description: "1 minute", "15 minutes".
func humanDuration(d time.Duration) string {
	units := []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}}
	for _, u := range units {
		if d >= u.d && d%u.d == 0 {
			n := int64(d / u.d)
			if n == 1 {
				return "1 " + u.name
			}
			return strconv.FormatInt(n, 10) + " " + u.name + "s"
		}
	}
	return d.String()
}

// coord appends v rounded to one decimal, the shortest way ("12", "12.5").
func coord(b []byte, v float64) []byte {
	r := math.Round(v*10) / 10
	if r == 0 {
		r = 0 // no "-0"
	}
	return strconv.AppendFloat(b, r, 'f', -1, 64)
}
