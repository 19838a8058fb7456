package kit

import (
	"context"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pprovider "github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
)

// Logger sends messages about one resource operation to the engine.
//   - Status: an ephemeral status message (the "Info" column of the progress display, not part of
//     the final diagnostics), as upstream providers stream command output and retries.
//   - Log: a persistent diagnostic (warnings and errors).
type Logger interface {
	Status(sev diag.Severity, msg string)
	Log(sev diag.Severity, msg string)
}

type nopLogger struct{}

func (nopLogger) Status(diag.Severity, string) {}
func (nopLogger) Log(diag.Severity, string)    {}

// hostLogger sends messages about one resource to the engine.
type hostLogger struct {
	host *pprovider.HostClient
	urn  resource.URN
}

func (l hostLogger) Status(sev diag.Severity, msg string) {
	if l.host != nil {
		_ = l.host.LogStatus(context.Background(), sev, l.urn, msg)
	}
}

func (l hostLogger) Log(sev diag.Severity, msg string) {
	if l.host != nil {
		_ = l.host.Log(context.Background(), sev, l.urn, msg)
	}
}

type loggerKey struct{}

// WithLogger returns ctx carrying lg.
func WithLogger(ctx context.Context, lg Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, lg)
}

// LoggerFrom returns the operation's logger (a no-op one when there is none).
func LoggerFrom(ctx context.Context) Logger {
	if lg, ok := ctx.Value(loggerKey{}).(Logger); ok && lg != nil {
		return lg
	}
	return nopLogger{}
}
