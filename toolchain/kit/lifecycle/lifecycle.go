// Package lifecycle makes a plugin process end when the process that started it (the Pulumi
// engine) is gone, instead of living on as an orphan.
//
// The engine starts every plugin as its child and stops it over gRPC or with a signal when it is
// done. When the engine itself dies (SIGKILL, OOM, a crashed terminal) nothing tells its plugins:
// the SDK's own health check (sdk/go/common/util/rpcutil.Healthcheck, used by provider.Main) only
// pings the engine every 5 minutes, and a plugin busy in an operation keeps running until that
// finishes. Here the parent process ID is watched instead: on Linux an orphan is re-parented (to
// init or the nearest subreaper) at the moment its parent dies, so a change of getppid() is the
// death of the engine. Standard library only, so that any plugin main can use it.
package lifecycle

import (
	"fmt"
	"os"
	"syscall"
	"time"
)

// PollInterval is how often the parent is checked.
const PollInterval = 500 * time.Millisecond

// ExitWithParent starts a watcher: when the parent process is gone it calls stop (which should
// begin a graceful shutdown: cancel operations, stop serving), waits up to grace for it to take
// effect, and then exits the process with status 1, naming the reason on stderr. A process whose
// parent is already init (started detached, e.g. attached debugging) is not watched.
func ExitWithParent(name string, grace time.Duration, stop func()) {
	parent := os.Getppid()
	if parent <= 1 {
		return
	}
	go func() {
		for os.Getppid() == parent {
			time.Sleep(PollInterval)
		}
		fmt.Fprintf(os.Stderr, "%s: the Pulumi engine (pid %d) is gone; stopping\n", name, parent)
		if stop != nil {
			go stop()
		}
		time.Sleep(grace)
		os.Exit(1)
	}()
}

// Interrupt is a stop function that sends SIGINT to this process: the graceful-shutdown path of
// the SDK's provider.Main (it stops serving on SIGINT).
func Interrupt() {
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		_ = p.Signal(syscall.SIGINT)
	}
}
