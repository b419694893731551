package app

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/catalog/contentdir"
	"github.com/wandstore/wandstore/experiments"
	"github.com/wandstore/wandstore/experiments/record"
	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/store"
)

const experimentArchive = `
-- shop/store.yaml --
name: Shop
currency: EUR
experiments:
  - id: greet
    goal: add_to_cart
    variants:
      - { name: control, weight: 1 }
      - { name: warm, weight: 1, greeting: "Welcome back!" }
-- shop/products/mug.md --
---
title: Mug
price: "12.50"
---
A mug.
-- plain/store.yaml --
name: Plain
currency: EUR
`

// wandgen experiments reads what the islands recorded and prints each
// variant's figures and verdict.
func TestExperimentsCommand(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T) {
		content, dsn := testkit.ContentDir(t, experimentArchive), testkit.DSN(t)
		sdb, err := store.Open(t.Context(), dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer sdb.Close()
		rec, err := record.Open(t.Context(), sdb.Writer(), record.Options{})
		if err != nil {
			t.Fatal(err)
		}
		st, _, err := contentdir.New(os.DirFS(content)).StoreFile("shop")
		if err != nil {
			t.Fatal(err)
		}
		e := st.Experiment("greet")
		visitors, converted := map[string]int{}, map[string]int{}
		for i := range 2000 {
			id := fmt.Sprintf("shopper-%d", i)
			v := experiments.Assign(e, id).Name
			visitors[v]++
			rec.Expose("shop", "greet", v, id)
			// 10% of the control add to the cart, 40% of warm's.
			if (v == "control" && i%10 == 0) || (v == "warm" && i%5 < 2) {
				rec.Convert("shop", id, catalog.GoalAddToCart, 0)
				converted[v]++
			}
		}
		time.Sleep(time.Millisecond) // conversions after exposures to the microsecond
		if err := rec.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		stdout, stderr, err := run(t, "experiments", "--content", content, "--db", dsn)
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		for _, want := range []string{"shop / greet: goal add_to_cart, running",
			fmt.Sprintf(`(?m)^control +1 +%d +%d +\d+\.\d\d%% \[`, visitors["control"], converted["control"]),
			fmt.Sprintf(`(?m)^warm +1 +%d +%d +.* better$`, visitors["warm"], converted["warm"]),
			"greet: warm beats the control"} {
			if !regexp.MustCompile(want).MatchString(stdout) {
				t.Errorf("output lacks %q:\n%s", want, stdout)
			}
		}
		if strings.Contains(stdout, "plain") || strings.Contains(stdout, "WARNING") {
			t.Errorf("a store without experiments, or a mismatch, printed:\n%s", stdout)
		}
	})
}

func TestExperimentsCommandErrors(t *testing.T) {
	content := testkit.ContentDir(t, experimentArchive)
	data := t.TempDir()
	if _, _, err := run(t, "experiments", "--content", content, "--data", data); err == nil || !strings.Contains(err.Error(), "no database at") {
		t.Errorf("no database: %v", err)
	}
	dsn := filepath.Join(data, "wandstore.db")
	if _, _, err := run(t, "experiments", "--content", content, "--db", dsn, "--store", "nope"); err == nil || !strings.Contains(err.Error(), `no store "nope"`) {
		t.Errorf("unknown store: %v", err)
	}
	// A store named without experiments says so; an empty database reads as none recorded.
	stdout, _, err := run(t, "experiments", "--content", content, "--db", dsn, "--store", "plain")
	if err != nil || !strings.Contains(stdout, "plain: no experiments in store.yaml") {
		t.Errorf("plain: %v\n%s", err, stdout)
	}
	stdout, _, err = run(t, "experiments", "--content", content, "--data", data)
	if err != nil || !strings.Contains(stdout, "too early") {
		t.Errorf("nothing recorded: %v\n%s", err, stdout)
	}
}
