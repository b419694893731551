// Command wandgen builds WandStore's static storefronts and serves the demo.
// Run `wandgen help` for the commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/wandstore/wandstore/app"
)

func main() {
	// WANDSTORE_CPUPROFILE=file writes a CPU profile of the whole run
	// (`go tool pprof wandgen file`), for measuring the CLI as it runs.
	if name := os.Getenv("WANDSTORE_CPUPROFILE"); name != "" {
		f, err := os.Create(name)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "WANDSTORE_CPUPROFILE:", err)
			os.Exit(1)
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := app.Run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	// WANDSTORE_MEMPROFILE=file writes where the run allocated, at its end
	// (`go tool pprof -sample_index=alloc_space wandgen file`).
	if name := os.Getenv("WANDSTORE_MEMPROFILE"); name != "" {
		if perr := writeMemProfile(name); perr != nil {
			fmt.Fprintln(os.Stderr, "WANDSTORE_MEMPROFILE:", perr)
		}
	}
	if err != nil {
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func writeMemProfile(name string) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
