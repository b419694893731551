package ai

import (
	"strings"
	"testing"
)

// Text a database column refuses (a NUL byte, invalid UTF-8) is made
// storable before a call is logged, so one model answer cannot stop the
// log's flushes.
func TestStorable(t *testing.T) {
	got := storable("ok\x00text\xff")
	if strings.ContainsRune(got, 0) || !strings.HasPrefix(got, "oktext") || !strings.Contains(got, "\uFFFD") {
		t.Fatalf("storable = %q", got)
	}
	l := NewLog(nil, 0, nil)
	l.Add(Call{Output: "a\x00b", Prompt: "p\x00", Outcome: "x\xff"})
	c := l.pending[0]
	if strings.ContainsRune(c.Output+c.Prompt, 0) || !strings.Contains(c.Outcome, "\uFFFD") {
		t.Fatalf("logged %+v", c)
	}
}
