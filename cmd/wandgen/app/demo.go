package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wandstore/wandstore/generator"
)

// DemoOptions configures StartDemo.
type DemoOptions struct {
	Addr    string    // listen address; default "localhost:8080"; tests use "127.0.0.1:0"
	Content string    // content folder; "" means the embedded demo content
	Out     string    // build output folder; default "public"
	Data    string    // state folder; default ".wandstore"
	Stores  []string  // empty means every store
	Log     io.Writer // progress and log output; nil discards
}

// Demo is a running demo: the stores built and served on one origin.
type Demo struct {
	URL     string // "http://127.0.0.1:41234", no trailing slash
	Summary *generator.Summary

	srv  *http.Server
	done chan error
}

// StartDemo listens, builds the stores for that address (so canonical links
// point at it), and serves them in the background. It returns once the
// server accepts connections.
func StartDemo(ctx context.Context, opts DemoOptions) (*Demo, error) {
	if opts.Addr == "" {
		opts.Addr = "localhost:8080"
	}
	if opts.Out == "" {
		opts.Out = "public"
	}
	if opts.Data == "" {
		opts.Data = ".wandstore"
	}
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	src, err := source(opts.Content)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.Data, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
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
	out, err := filepath.Abs(opts.Out)
	if err != nil {
		ln.Close()
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(logw, nil))
	d := &Demo{URL: origin, Summary: sum, done: make(chan error, 1)}
	d.srv = &http.Server{
		Handler:           newSiteHandler(out, log),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() { d.done <- d.srv.Serve(ln) }()
	return d, nil
}

// Close stops accepting connections and waits for requests in flight (up
// to ctx's deadline).
func (d *Demo) Close(ctx context.Context) error {
	err := d.srv.Shutdown(ctx)
	if serr := <-d.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
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
		Usage: "build the demo stores and serve them on one port",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Value: "localhost:8080", Usage: "listen address", EnvVars: []string{"WANDSTORE_ADDR"}},
			&cli.StringFlag{Name: "data", Value: ".wandstore", Usage: "folder for the server's state", EnvVars: []string{"WANDSTORE_DATA"}},
			contentFlag(), outFlag(), storeFlag(),
		},
		Action: func(c *cli.Context) error {
			d, err := StartDemo(c.Context, DemoOptions{
				Addr: c.String("addr"), Content: c.String("content"), Out: c.String("out"),
				Data: c.String("data"), Stores: c.StringSlice("store"), Log: c.App.ErrWriter,
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "\nWandStore demo: %s/\n", d.URL)
			for _, st := range d.Summary.Stores {
				fmt.Fprintf(c.App.Writer, "  %-22s %s\n", st.Name, st.BaseURL)
			}
			fmt.Fprintln(c.App.Writer, "Press Ctrl+C to stop.")
			select {
			case <-c.Context.Done():
			case err := <-d.done:
				return fmt.Errorf("server: %w", err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			fmt.Fprintln(c.App.Writer, "stopping")
			return d.Close(ctx)
		},
	}
}
