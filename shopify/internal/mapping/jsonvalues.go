package mapping

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Lenient JSON values for Shopify's REST shapes (products.json, webhook
// payloads), where one field arrives as a string, a number or null
// depending on the shop and the API version.

// Text takes a string, a number (kept as written: "19.99", an id's
// digits), a bool, or null ("").
type Text string

func (f *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = Text(s)
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9') || b[0] == 't' || b[0] == 'f'):
		*f = Text(b)
	default:
		return fmt.Errorf("want text, got %s", abbrev(b))
	}
	return nil
}

// Int takes a number (whole, or with a zero fraction), a string of
// one, or null (0).
type Int int

func (f *Int) UnmarshalJSON(b []byte) error {
	var s Text
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	str := strings.TrimSpace(string(s))
	if str == "" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseFloat(str, 64)
	if err != nil || n != float64(int(n)) {
		return fmt.Errorf("want a whole number, got %s", abbrev(b))
	}
	*f = Int(n)
	return nil
}

// Tags takes "a, b, c", ["a", "b"] or null.
type Tags []string

func (f *Tags) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var parts []string
	switch {
	case string(b) == "null":
	case len(b) > 0 && b[0] == '[':
		var list []Text
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
		for _, t := range list {
			parts = append(parts, string(t))
		}
	default:
		var s Text
		if err := s.UnmarshalJSON(b); err != nil {
			return err
		}
		parts = strings.Split(string(s), ",")
	}
	var out []string
	for _, t := range parts {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	*f = out
	return nil
}

func abbrev(b []byte) string {
	if len(b) > 20 {
		return string(b[:20]) + "..."
	}
	return string(b)
}
