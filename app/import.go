package app

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/catalog/contentdir"
	"github.com/wandstore/wandstore/catalog/contentwrite"
	"github.com/wandstore/wandstore/shopify/productcsv"
	"github.com/wandstore/wandstore/shopify/productsjson"
	"gopkg.in/yaml.v3"
)

// Import formats, as --format names them.
const (
	formatShopifyCSV  = "shopify-csv"
	formatShopifyJSON = "shopify-json"
)

func importCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "turn a Shopify product CSV or products.json into a store's content folder",
		ArgsUsage: "FILE",
		Description: "Reads FILE (Shopify's product CSV export, or the JSON of a shop's /products.json) and writes\n" +
			"<content>/<store>/products/<handle>.md for each product, and store.yaml when the store has none\n" +
			"(an existing store.yaml is kept, and its currency is the one prices are read in).\n" +
			"Rows or products that cannot be imported are listed with their line; the rest is written.\n" +
			"With --strict, any problem stops the import before anything is written.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Usage: "shopify-csv or shopify-json (default: from FILE's extension)"},
			&cli.StringFlag{Name: "store", Usage: "the store's handle (its folder name); required"},
			&cli.StringFlag{Name: "content", Value: "content", Usage: "content folder (one sub-folder per store)", EnvVars: []string{"WANDSTORE_CONTENT"}},
			&cli.StringFlag{Name: "name", Usage: "the store's name, for a new store.yaml (default: the handle)"},
			&cli.StringFlag{Name: "currency", Value: "USD", Usage: "ISO 4217 currency of the prices, for a new store.yaml"},
			&cli.StringFlag{Name: "locale", Usage: "the store's locale, for a new store.yaml (default en-US)"},
			&cli.BoolFlag{Name: "strict", Usage: "write nothing if any row has a problem"},
		},
		Action: func(c *cli.Context) error {
			args, err := interspersedFlags(c)
			if err != nil {
				return err
			}
			if len(args) != 1 {
				return fmt.Errorf("import takes one FILE (got %d arguments); see wandgen import --help", len(args))
			}
			return runImport(c, args[0])
		},
	}
}

// interspersedFlags applies flags given after FILE ("import x.csv --store
// s"), which urfave/cli v2 leaves among the arguments, and returns the
// arguments that are not flags.
func interspersedFlags(c *cli.Context) ([]string, error) {
	in := c.Args().Slice()
	var args []string
	for i := 0; i < len(in); i++ {
		a := in[i]
		if a == "--" {
			return append(args, in[i+1:]...), nil
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			args = append(args, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "strict" {
			if !hasVal {
				val = "true"
			}
		} else if !hasVal {
			if i+1 >= len(in) {
				return nil, fmt.Errorf("flag %s needs a value", a)
			}
			i++
			val = in[i]
		}
		if err := c.Set(name, val); err != nil {
			return nil, fmt.Errorf("flag %s: %w", a, err)
		}
	}
	return args, nil
}

func runImport(c *cli.Context, file string) error {
	handle := c.String("store")
	if handle == "" {
		return errors.New("import: --store is required")
	}
	if !catalog.ValidHandle(handle) {
		return fmt.Errorf("import: store %q must be lower-case letters, digits and dashes", handle)
	}
	format := c.String("format")
	if format == "" {
		switch strings.ToLower(filepath.Ext(file)) {
		case ".csv":
			format = formatShopifyCSV
		case ".json":
			format = formatShopifyJSON
		default:
			return fmt.Errorf("import: give --format %s or %s for %s", formatShopifyCSV, formatShopifyJSON, file)
		}
	}
	dir := filepath.Join(c.String("content"), handle)
	name, currency, locale := c.String("name"), strings.ToUpper(c.String("currency")), c.String("locale")
	if !catalog.ValidCurrency(currency) {
		return fmt.Errorf("import: --currency %q: %w", c.String("currency"), catalog.ErrCurrency)
	}

	// An existing store keeps its store.yaml; prices are read in its currency.
	existing, err := readStoreFile(filepath.Join(dir, "store.yaml"))
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if existing != nil {
		if c.IsSet("currency") && !strings.EqualFold(existing.Currency, currency) {
			return fmt.Errorf("import: --currency %s, but %s sells in %s", currency, filepath.Join(dir, "store.yaml"), existing.Currency)
		}
		currency = strings.ToUpper(existing.Currency)
	}

	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	store, problems, err := readImport(format, f, handle, name, currency, locale, filepath.Base(file))
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if len(problems) > 0 && c.Bool("strict") {
		return fmt.Errorf("import: %w", problems)
	}
	res, err := contentwrite.Write(dir, store, contentwrite.Options{KeepStoreFile: true})
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	variants := 0
	for _, p := range store.Products {
		variants += len(p.Variants)
	}
	fmt.Fprintf(c.App.Writer, "imported %d products (%d variants) into %s: %d files written\n",
		len(store.Products), variants, dir, len(res.Files))
	if len(problems) > 0 {
		fmt.Fprintf(c.App.ErrWriter, "%d problem(s); these rows or products were skipped or changed:\n", len(problems))
		for _, p := range problems {
			fmt.Fprintf(c.App.ErrWriter, "  %s\n", p.Error())
		}
	}
	// What was written must build: load the whole store folder back (it
	// may hold products of its own) and validate it.
	loaded, err := contentdir.New(os.DirFS(c.String("content"))).Load(c.Context, handle)
	if err == nil {
		err = loaded.Validate()
	}
	if err != nil {
		// Not wrapped: errorText would say "nothing was written" of a
		// ValidationErrors, and here the files were written.
		return fmt.Errorf("import: the files were written, but the store folder does not build:\n  %s",
			strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	return nil
}

func readImport(format string, r io.Reader, handle, name, currency, locale, file string) (*catalog.Store, catalog.ValidationErrors, error) {
	switch format {
	case formatShopifyCSV:
		return productcsv.Read(r, productcsv.Options{Store: handle, Name: name, Currency: currency, Locale: locale, File: file})
	case formatShopifyJSON:
		return productsjson.Read(r, productsjson.Options{Store: handle, Name: name, Currency: currency, Locale: locale, File: file})
	}
	return nil, nil, fmt.Errorf("unknown --format %q: want %s or %s", format, formatShopifyCSV, formatShopifyJSON)
}

// readStoreFile reads the little import needs of an existing store.yaml;
// nil when there is none.
func readStoreFile(path string) (*struct{ Currency string }, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var f struct {
		Currency string `yaml:"currency"`
	}
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !catalog.ValidCurrency(strings.ToUpper(f.Currency)) {
		return nil, fmt.Errorf("%s: currency %q is not an ISO 4217 code", path, f.Currency)
	}
	return &struct{ Currency string }{f.Currency}, nil
}
