package provider

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
)

// Logger sends messages about one resource operation to the engine.
//
//   - Status: an ephemeral status message (the "Info" column of the progress display; not part of
//     the final diagnostics). The upstream provider streams command output line by line this way
//     (util.LogOutput → ctx.LogStatus(diag.Info, line)) and reports dial retries the same way.
//   - Log: a persistent diagnostic (used for warnings and errors, like upstream's logger).
type Logger interface {
	Status(sev diag.Severity, msg string)
	Log(sev diag.Severity, msg string)
}

type nopLogger struct{}

func (nopLogger) Status(diag.Severity, string) {}
func (nopLogger) Log(diag.Severity, string)    {}

// streamLines copies r to the logger's status stream line by line until r hits EOF. Unlike a
// bufio.Scanner it never stops early on a long line (which would block the writers).
func streamLines(r io.Reader, lg Logger, done chan<- struct{}) {
	defer close(done)
	br := bufio.NewReaderSize(r, 64*1024)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			lg.Status(diag.Info, strings.TrimRight(line, "\r\n"))
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				_, _ = io.Copy(io.Discard, br)
			}
			return
		}
	}
}

// lockedWriter serialises writes from the stdout and stderr copiers into one buffer.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// outputCapture collects a process's stdout, stderr and their interleaving, and streams the
// selected streams to the logger.
type outputCapture struct {
	mu                     sync.Mutex
	stdout, stderr, merged strings.Builder
	pr                     *io.PipeReader
	pw                     *io.PipeWriter
	done                   chan struct{}
}

func newOutputCapture(lg Logger, mode loggingMode) (*outputCapture, io.Writer, io.Writer) {
	c := &outputCapture{done: make(chan struct{})}
	c.pr, c.pw = io.Pipe()
	go streamLines(c.pr, lg, c.done)
	mk := func(own *strings.Builder, log bool) io.Writer {
		ws := []io.Writer{lockedWriter{&c.mu, own}, lockedWriter{&c.mu, &c.merged}}
		if log {
			ws = append(ws, lockedLogWriter{c})
		}
		return io.MultiWriter(ws...)
	}
	return c, mk(&c.stdout, mode.stdout()), mk(&c.stderr, mode.stderr())
}

// lockedLogWriter writes to the logging pipe; the pipe itself is safe for concurrent writers but
// interleaving of partial lines is avoided by holding the capture lock.
type lockedLogWriter struct{ c *outputCapture }

func (l lockedLogWriter) Write(p []byte) (int, error) {
	l.c.mu.Lock()
	defer l.c.mu.Unlock()
	return l.c.pw.Write(p)
}

// finish waits until everything written has been logged and returns stdout, stderr (each with one
// trailing newline removed, like upstream) and the merged output (for error messages).
func (c *outputCapture) finish() (string, string, string) {
	_ = c.pw.Close()
	<-c.done
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.TrimSuffix(c.stdout.String(), "\n"), strings.TrimSuffix(c.stderr.String(), "\n"), c.merged.String()
}

// ctxLogger lets code deep in the call chain find the operation's logger.
type ctxLoggerKey struct{}

func withLogger(ctx context.Context, lg Logger) context.Context {
	return context.WithValue(ctx, ctxLoggerKey{}, lg)
}

func loggerFrom(ctx context.Context) Logger {
	if lg, ok := ctx.Value(ctxLoggerKey{}).(Logger); ok && lg != nil {
		return lg
	}
	return nopLogger{}
}
