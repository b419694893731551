// Package app is the wandgen program: its commands, flags and the wiring of
// catalog sources, the generator and the servers. It is a package (not
// main) so end-to-end tests can start the real program.
package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/catalog/stores"
	"github.com/wandstore/wandstore/content"
	"github.com/wandstore/wandstore/shopify/productcsv"
	"github.com/wandstore/wandstore/shopify/productsjson"
)

// Version is set at link time (-ldflags "-X .../app.Version=v1.2.3"); else
// it is read from the build info.
var Version = ""

// Run runs wandgen with args (args[0] is the program name). Errors are
// printed to stderr and returned.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a := &cli.App{
		Name:      "wandgen",
		Usage:     "build fast static storefronts and serve the demo",
		Writer:    stdout,
		ErrWriter: stderr,
		Commands: []*cli.Command{
			buildCommand(),
			reconcileCommand(),
			devCommand(),
			demoCommand(),
			serveCommand(),
			importCommand(),
			migrateCommand(),
			experimentsCommand(),
			versionCommand(),
		},
		ExitErrHandler: func(*cli.Context, error) {}, // Run reports; main exits
	}
	err := a.RunContext(ctx, args)
	if err != nil {
		fmt.Fprintln(stderr, "wandgen:", errorText(err))
	}
	return err
}

// errorText lists content problems one a line under a short heading.
func errorText(err error) string {
	if ve, ok := catalog.AsValidationErrors(err); ok {
		phase, _, _ := strings.Cut(err.Error(), ":")
		var b strings.Builder
		fmt.Fprintf(&b, "%s: %d problem(s) in the content; nothing was written:\n", phase, len(ve))
		for _, e := range ve {
			b.WriteString("  ")
			b.WriteString(e.Error())
			b.WriteString("\n")
		}
		return strings.TrimRight(b.String(), "\n")
	}
	return err.Error()
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version",
		Action: func(c *cli.Context) error {
			fmt.Fprintln(c.App.Writer, "wandgen", version())
			return nil
		},
	}
}

func version() string {
	if Version != "" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	v := info.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += " " + rev
		if dirty {
			v += "+dirty"
		}
	}
	return v + " " + info.GoVersion
}

// source opens the content folder, or the embedded demo content when dir
// is empty; each of its stores reads its catalog from the source its
// store.yaml names (package stores), shop tokens from the environment. A
// Shopify product CSV or products.json file is a source too: it holds one
// store, whose handle is the one --store names (or the file's name);
// import it (wandgen import) to give it a name, currency and theme, or
// name it in a store.yaml's source block.
func source(dir string, only []string) (catalog.Source, error) {
	if dir == "" {
		return stores.New(content.FS, stores.Options{}), nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("content folder: %w", err)
	}
	if st.IsDir() {
		return stores.New(os.DirFS(dir), stores.Options{}), nil
	}
	handle := strings.TrimSuffix(filepath.Base(dir), filepath.Ext(dir))
	switch len(only) {
	case 0:
	case 1:
		handle = only[0]
	default:
		return nil, fmt.Errorf("%s holds one store: name at most one --store", dir)
	}
	if !catalog.ValidHandle(handle) {
		return nil, fmt.Errorf("%s: %q is not a store handle: name one with --store", dir, handle)
	}
	switch strings.ToLower(filepath.Ext(dir)) {
	case ".csv":
		return productcsv.NewSource(dir, productcsv.Options{Store: handle}), nil
	case ".json":
		return productsjson.NewSource(dir, productsjson.Options{Store: handle}), nil
	}
	return nil, fmt.Errorf("content %s: not a folder, a Shopify product CSV (.csv) or products.json (.json)", dir)
}

// Defaults shared by the commands and the Start functions.
const (
	defaultAddr = "localhost:8080"
	defaultOut  = "public"
	defaultData = ".wandstore"
)

// Shared flags.

func contentFlag() cli.Flag {
	return &cli.StringFlag{Name: "content", Usage: "content folder (one sub-folder per store), or a Shopify product CSV / products.json file; default: the embedded demo stores", EnvVars: []string{"WANDSTORE_CONTENT"}}
}

func outFlag() cli.Flag {
	return &cli.StringFlag{Name: "out", Value: defaultOut, Usage: "output folder", EnvVars: []string{"WANDSTORE_OUT"}}
}

func storeFlag() cli.Flag {
	return &cli.StringSliceFlag{Name: "store", Usage: "build only this store (repeat for several); default: every store", EnvVars: []string{"WANDSTORE_STORES"}}
}
