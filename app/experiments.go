package app

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/wandstore/wandstore/catalog/contentdir"
	"github.com/wandstore/wandstore/content"
	"github.com/wandstore/wandstore/experiments"
	"github.com/wandstore/wandstore/experiments/record"
	"github.com/wandstore/wandstore/islands/store"
)

// experimentsCommand prints each store's experiments' results: what the
// islands servers recorded in their database, analysed against the
// experiments of the store's store.yaml (docs/EXPERIMENTS.md).
func experimentsCommand() *cli.Command {
	return &cli.Command{
		Name:  "experiments",
		Usage: "print the results of the stores' experiments (A/B tests)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "content", Usage: "content folder (one sub-folder per store); default: the embedded demo stores", EnvVars: []string{"WANDSTORE_CONTENT"}},
			&cli.StringFlag{Name: "data", Value: defaultData, Usage: "state folder", EnvVars: []string{"WANDSTORE_DATA"}},
			&cli.StringFlag{Name: "db", Usage: "database: postgres://user:password@host:port/db, or an SQLite file path (default: SQLite at <data>/wandstore.db)", EnvVars: []string{"WANDSTORE_DB"}},
			&cli.StringSliceFlag{Name: "store", Usage: "only this store (repeat for several); default: every store with experiments", EnvVars: []string{"WANDSTORE_STORES"}},
		},
		Action: func(c *cli.Context) error {
			ctx := c.Context
			src := contentdir.New(content.FS)
			if dir := c.String("content"); dir != "" {
				if st, err := os.Stat(dir); err != nil || !st.IsDir() {
					return fmt.Errorf("content folder %s: not a folder (experiments are in a store's store.yaml)", dir)
				}
				src = contentdir.New(os.DirFS(dir))
			}
			handles, err := src.Stores(ctx)
			if err != nil {
				return err
			}
			only := c.StringSlice("store")
			for _, h := range only {
				if !slices.Contains(handles, h) {
					return fmt.Errorf("no store %q in the content (stores: %v)", h, handles)
				}
			}
			dsn := c.String("db")
			if dsn == "" {
				dsn = filepath.Join(c.String("data"), "wandstore.db")
				if _, err := os.Stat(dsn); err != nil {
					return fmt.Errorf("no database at %s: name the islands servers' database with --db or their state folder with --data", dsn)
				}
			}
			db, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				return err
			}
			defer db.Close()
			if err := record.Migrate(ctx, db.Writer(), nil); err != nil {
				return err
			}
			printed := 0
			for _, h := range handles {
				if len(only) > 0 && !slices.Contains(only, h) {
					continue
				}
				st, _, err := src.StoreFile(h)
				if err != nil {
					return err
				}
				if len(st.Experiments) == 0 && len(only) == 0 {
					continue
				}
				rs, err := record.Results(ctx, db.Writer(), st, time.Now())
				if err != nil {
					return err
				}
				if printed > 0 {
					fmt.Fprintln(c.App.Writer)
				}
				printed++
				if err := experiments.WriteTable(c.App.Writer, h, rs); err != nil {
					return err
				}
			}
			if printed == 0 {
				fmt.Fprintln(c.App.Writer, "no store has experiments (store.yaml's experiments block: docs/EXPERIMENTS.md)")
			}
			return nil
		},
	}
}
