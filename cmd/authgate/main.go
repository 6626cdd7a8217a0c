// Command authgate is a relationship-based authorization service that
// speaks Coder's /api/v2 and answers every check with SpiceDB.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCommand().ExecuteContext(ctx)
	stop()
	if err != nil {
		var exit exitCode
		if asExitCode(err, &exit) {
			os.Exit(int(exit))
		}
		fmt.Fprintln(os.Stderr, "authgate:", explain(err))
		os.Exit(1)
	}
}
