package app

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wandstore/wandstore/generator"
	"github.com/wandstore/wandstore/generator/cdnpurge"
	"github.com/wandstore/wandstore/islands"
)

// DemoOptions configures StartDemo.
type DemoOptions struct {
	Addr    string    // listen address; default "localhost:8080"; tests use "127.0.0.1:0"
	Content string    // content folder; "" means the embedded demo content
	Out     string    // build output folder; default "public"
	Data    string    // state folder (database, session key); default ".wandstore"
	Stores  []string  // empty means every store
	Log     io.Writer // progress and log output; nil discards
	// OlricFreePorts picks free ports for the embedded Olric member instead
	// of olric.yaml's (tests run several demos at once).
	OlricFreePorts bool
	// NoCache runs without Olric.
	NoCache bool
	// Limits override the rate limits (tests).
	Limits islands.Limits
	// RereadDelay, Publisher and StateDir: see ServeOptions.
	RereadDelay time.Duration
	Publisher   generator.Publisher
	StateDir    string
	Purger      *cdnpurge.Purger
}

// StartDemo listens, builds the stores for that address (so canonical links
// point at it), and serves them with their islands in the background: every
// default embedded (content, SQLite in Data, one Olric member). It returns
// once the server accepts connections.
func StartDemo(ctx context.Context, opts DemoOptions) (*Demo, error) {
	if opts.Addr == "" {
		opts.Addr = defaultAddr
	}
	if opts.Out == "" {
		opts.Out = defaultOut
	}
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	src, err := source(opts.Content, opts.Stores)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	origin := originFor(opts.Addr, ln.Addr())
	sum, err := runBuild(ctx, generator.Options{
		Source: src, Stores: opts.Stores, Out: opts.Out, SiteURL: origin + "/",
	}, logw, logw, opts.Log == nil)
	if err != nil {
		ln.Close()
		return nil, err
	}
	s, err := startOn(ctx, ln, ServeOptions{
		Addr: opts.Addr, Public: opts.Out, Data: opts.Data, SiteURL: origin + "/", Log: opts.Log,
		Content: opts.Content, Stores: opts.Stores, RereadDelay: opts.RereadDelay, src: src,
		Publisher: opts.Publisher, StateDir: opts.StateDir, Purger: opts.Purger,
		OlricFreePorts: opts.OlricFreePorts, NoCache: opts.NoCache, Limits: opts.Limits, built: sum,
	})
	if err != nil {
		ln.Close()
		return nil, err
	}
	s.Summary = sum
	return s, nil
}

// originFor is the URL shoppers use: the host as given ("localhost"), or
// localhost for a wildcard listen, with the port actually bound.
func originFor(addr string, bound net.Addr) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	_, port, _ := net.SplitHostPort(bound.String())
	return "http://" + net.JoinHostPort(host, port)
}

func demoCommand() *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "build the demo stores and serve them, with their islands, on one port",
		Flags: serveFlags(),
		Action: func(c *cli.Context) error {
			so := serveOptions(c)
			d, err := StartDemo(c.Context, DemoOptions{
				Addr: so.Addr, Content: so.Content, Out: so.Public, Data: so.Data, Stores: so.Stores,
				Log: c.App.ErrWriter, NoCache: so.NoCache, Limits: so.Limits,
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "\nWandStore demo: %s/\n", d.URL)
			for _, st := range d.Summary.Stores {
				if st.BaseURL != "" {
					fmt.Fprintf(c.App.Writer, "  %-22s %s\n", st.Name, st.BaseURL)
				}
			}
			return runUntilDone(c, d)
		},
	}
}
