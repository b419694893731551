// Command wandgen builds WandStore's static storefronts and serves the demo.
// Run `wandgen help` for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/wandstore/wandstore/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := app.Run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		os.Exit(1)
	}
}
