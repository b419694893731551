package generator

import (
	"context"
	"errors"
	"fmt"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/catalog/contentdir"
	"sync/atomic"
	"testing"
	"time"
)

// crashingPublisher publishes into a folder until the page it is told to
// die after is written, then fails every call: a process killed right
// after publishing a page, before it saved the manifest.
type crashingPublisher struct {
	*DirPublisher
	after string
	dead  atomic.Bool
}

var errKilled = errors.New("killed")

func (c *crashingPublisher) Put(ctx context.Context, p string, data []byte) error {
	if c.dead.Load() {
		return errKilled
	}
	if err := c.DirPublisher.Put(ctx, p, data); err != nil {
		return err
	}
	if p == c.after {
		c.dead.Store(true)
		return errKilled // written, and the process dies before it can record it
	}
	return nil
}

func (c *crashingPublisher) Delete(ctx context.Context, p string) error {
	if c.dead.Load() {
		return errKilled
	}
	return c.DirPublisher.Delete(ctx, p)
}

// A new product's page published just before a crash, then the product
// deleted: the next build must unpublish the page, although the build that
// wrote it never saved its manifest.
func TestPageWrittenBeforeACrashIsUnpublishedLater(t *testing.T) {
	s := newSite(t, shop)
	s.build()
	s.write("tea/products/hojicha.md", `---
title: Hojicha
type: Tea
tags: [roasted]
created: 2026-04-01
price: "9.00"
---
Roasted.
`)
	dir, err := NewDirPublisher(s.out)
	if err != nil {
		t.Fatal(err)
	}
	const page = "s/tea/products/hojicha/index.html"
	_, err = Build(context.Background(), func() Options {
		o := s.options()
		o.Publisher = &crashingPublisher{DirPublisher: dir, after: page}
		return o
	}())
	if !errors.Is(err, errKilled) {
		t.Fatalf("build: %v, want the crash", err)
	}
	if !s.exists(page) {
		t.Fatal("the crash came before the page was written: the test proves nothing")
	}
	delete(s.fs, "tea/products/hojicha.md")
	s.build()
	if s.exists(page) {
		t.Fatal("the page of a deleted product, written before a crash, is still published")
	}
}

// The same through Live (the webhook path), whose manifest saves are
// batched: a crash right after publishing a new product's page, then the
// product deleted, after a restart.
func TestLivePageWrittenBeforeACrashIsUnpublishedLater(t *testing.T) {
	s := newSite(t, shop)
	s.build()
	load := func() *catalog.Store {
		t.Helper()
		st, err := contentdir.New(s.fs).Load(context.Background(), "tea")
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	s.write("tea/products/hojicha.md", "---\ntitle: Hojicha\ntype: Tea\ncreated: 2026-04-01\nprice: \"9.00\"\n---\nRoasted.\n")
	dir, err := NewDirPublisher(s.out)
	if err != nil {
		t.Fatal(err)
	}
	const page = "s/tea/products/hojicha/index.html"
	opts := s.options()
	opts.Publisher = &crashingPublisher{DirPublisher: dir, after: page}
	crashing, err := NewLive(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := crashing.Update(context.Background(), load()); !errors.Is(err, errKilled) {
		t.Fatalf("update: %v, want the crash", err)
	}
	if !s.exists(page) {
		t.Fatal("the crash came before the page was written: the test proves nothing")
	}
	// A new process, the product deleted meanwhile.
	delete(s.fs, "tea/products/hojicha.md")
	live, err := NewLive(s.options())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { live.Flush() }) // copies written in the background, before the folder goes
	if _, err := live.Update(context.Background(), load()); err != nil {
		t.Fatal(err)
	}
	if s.exists(page) {
		t.Fatal("the page of a deleted product, written before a crash, is still published")
	}
}

// Live updates that add pages save the manifest at once (saveNow) while
// background saves of earlier updates are due: the two must not wait on
// each other. This deadlocked within seconds when the background save
// took the store's lock; the test then hangs until go test's timeout.
func TestLiveNewPagesAndBackgroundSavesDoNotDeadlock(t *testing.T) {
	s := newSite(t, shop)
	live, err := NewLive(s.options())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second) // a few background saves' worth (saveEvery)
	for i := 0; time.Now().Before(deadline); i++ {
		s.write(fmt.Sprintf("tea/products/new-%03d.md", i), "---\ntitle: New\ntype: Tea\ncreated: 2026-04-01\nprice: \"9.00\"\n---\nNew.\n")
		st, err := contentdir.New(s.fs).Load(context.Background(), "tea")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := live.Update(context.Background(), st); err != nil {
			t.Fatal(err)
		}
	}
	if err := live.Flush(); err != nil {
		t.Fatal(err)
	}
}
