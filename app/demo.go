package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wandstore/wandstore/generator"
	"github.com/wandstore/wandstore/generator/cdnpurge"
	"github.com/wandstore/wandstore/islands"
)

// DemoOptions configures StartDemo.
type DemoOptions struct {
	// Addr is the listen address; tests use "127.0.0.1:0". "" means
	// localhost:8080, or another port on localhost when that one is taken
	// (the log says which). A given address is used or fails.
	Addr string
	// OpsAddr: see ServeOptions.
	OpsAddr string
	Content string    // content folder; "" means the embedded demo content
	Out     string    // build output folder; default "public"
	Data    string    // state folder (the SQLite database); default ".wandstore"
	Stores  []string  // empty means every store
	Log     io.Writer // progress and log output; nil discards
	// DB, SessionSecret, TrustedProxies and AdminToken: see ServeOptions.
	AdminToken     string
	DB             string
	SessionSecret  string
	TrustedProxies []string
	// OlricConfig and the Olric member's address, ports and cluster: see
	// ServeOptions. An Olric port left 0 that the file (or the built-in
	// defaults) names and another process holds is replaced with a free
	// one, and the log says so: a second demo on the machine still starts.
	OlricConfig          string
	OlricBind            string
	OlricPort            int
	OlricGossipPort      int
	OlricPeers           []string
	OlricReplicas        int
	OlricExpectedMembers int
	// NoCache runs without Olric.
	NoCache bool
	// Limits override the rate limits (--rate-limit-*, --ipv6-prefix,
	// --webhook-rate-limit, --webhook-burst).
	Limits islands.Limits
	// RereadDelay, Publisher and StateDir: see ServeOptions.
	RereadDelay time.Duration
	Publisher   generator.Publisher
	StateDir    string
	Purger      *cdnpurge.Purger

	// wrap, when set, wraps the server's handler (wandgen dev's files and
	// reload script).
	wrap func(http.Handler) http.Handler
}

// StartDemo listens, builds the stores for that address (so canonical links
// point at it), and serves them with their islands in the background: every
// default embedded (content, SQLite in Data, one Olric member). It returns
// once the server accepts connections.
func StartDemo(ctx context.Context, opts DemoOptions) (*Demo, error) {
	orFree := opts.Addr == ""
	if orFree {
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
	ln, err := listenOrFree(opts.Addr, orFree, slog.New(slog.NewTextHandler(logw, nil)))
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
		Addr: opts.Addr, OpsAddr: opts.OpsAddr, Public: opts.Out, Data: opts.Data, SiteURL: origin + "/", Log: opts.Log,
		Content: opts.Content, Stores: opts.Stores, RereadDelay: opts.RereadDelay, src: src,
		Publisher: opts.Publisher, StateDir: opts.StateDir, Purger: opts.Purger,
		DB: opts.DB, SessionSecret: opts.SessionSecret, TrustedProxies: opts.TrustedProxies, AdminToken: opts.AdminToken,
		OlricConfig: opts.OlricConfig, OlricBind: opts.OlricBind, OlricPort: opts.OlricPort,
		OlricGossipPort: opts.OlricGossipPort, OlricPeers: opts.OlricPeers, OlricReplicas: opts.OlricReplicas,
		OlricExpectedMembers: opts.OlricExpectedMembers, olricPortsOrFree: true,
		NoCache: opts.NoCache, Limits: opts.Limits, built: sum, wrap: opts.wrap,
	})
	if err != nil {
		ln.Close()
		return nil, err
	}
	s.Summary = sum
	return s, nil
}

// demoOptions are the demo's (and dev's) options from the serve flags.
func demoOptions(so ServeOptions, log io.Writer) DemoOptions {
	return DemoOptions{
		Addr: so.Addr, OpsAddr: so.OpsAddr, Content: so.Content, Out: so.Public, Data: so.Data, Stores: so.Stores,
		Log: log, NoCache: so.NoCache, Limits: so.Limits,
		DB: so.DB, SessionSecret: so.SessionSecret, TrustedProxies: so.TrustedProxies,
		OlricConfig: so.OlricConfig, OlricBind: so.OlricBind, OlricPort: so.OlricPort,
		OlricGossipPort: so.OlricGossipPort, OlricPeers: so.OlricPeers, OlricReplicas: so.OlricReplicas,
		OlricExpectedMembers: so.OlricExpectedMembers,
	}
}

// listenOrFree listens on addr; when orFree and addr's port is taken, on
// another port of the same host, and says so.
func listenOrFree(addr string, orFree bool, log *slog.Logger) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil || !orFree || !errors.Is(err, syscall.EADDRINUSE) {
		return ln, err
	}
	host, _, serr := net.SplitHostPort(addr)
	if serr != nil {
		return nil, err
	}
	ln, ferr := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if ferr != nil {
		return nil, err
	}
	log.Warn("address is taken; serving the demo on a free port instead", "taken", addr, "addr", ln.Addr().String())
	return ln, nil
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
			if !c.IsSet("addr") {
				so.Addr = "" // the default, or a free port when it is taken
			}
			d, err := StartDemo(c.Context, demoOptions(so, c.App.ErrWriter))
			if err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "\nWandStore demo: %s/\n", d.URL)
			for _, st := range d.Summary.Stores {
				if st.BaseURL != "" {
					fmt.Fprintf(c.App.Writer, "  %-22s %s\n", st.Name, st.BaseURL)
				}
			}
			fmt.Fprintf(c.App.Writer, "Operations (health, readiness, metrics; this machine only): %s/readyz\n", d.OpsURL)
			printDashboard(c.App.Writer, d)
			return runUntilDone(c, d)
		},
	}
}
