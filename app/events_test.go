package app

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/internal/testkit"
)

// The server's Close ends the open pages' live streams at once rather than
// waiting on them until its deadline.
func TestCloseEndsLiveStreams(t *testing.T) {
	ctx := context.Background()
	d, err := StartDemo(ctx, DemoOptions{Addr: "127.0.0.1:0", Out: t.TempDir(), Data: t.TempDir(), OlricPort: testkit.MustFreePort(t), OlricGossipPort: testkit.MustFreePort(t)})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", d.URL+"/s/magic-wands/islands/events?product=elder-wand", nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	r := bufio.NewReader(resp.Body)
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "retry:") {
		t.Fatalf("first line %q, %v", line, err)
	}
	ended := make(chan error, 1)
	go func() {
		for {
			if _, err := r.ReadString('\n'); err != nil {
				ended <- err
				return
			}
		}
	}()
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	start := time.Now()
	if err := d.Close(cctx); err != nil {
		t.Fatalf("close with a stream open: %v", err)
	}
	if errors.Is(cctx.Err(), context.DeadlineExceeded) {
		t.Fatal("close waited for its deadline")
	}
	t.Logf("closed in %s with a stream open", time.Since(start).Round(time.Millisecond))
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream is still open after Close")
	}
}
