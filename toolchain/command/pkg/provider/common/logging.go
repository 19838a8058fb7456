package common

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"

	"homelab-iac/toolchain/kit"
)

// LoggingMode is the `logging` input (enum stdout|stderr|stdoutAndStderr|none); absent = both.
type LoggingMode string

// Logging is the logging mode of the (plain) inputs.
func Logging(in kit.Values) LoggingMode {
	s, _ := in.Str("logging")
	return LoggingMode(s)
}

func (l LoggingMode) stdout() bool { return l == "" || l == "stdout" || l == "stdoutAndStderr" }
func (l LoggingMode) stderr() bool { return l == "" || l == "stderr" || l == "stdoutAndStderr" }

// AddPreviousOutputInEnv: absent means true (upstream: `AddPreviousOutputInEnv == nil || *it`).
func AddPreviousOutputInEnv(in kit.Values) bool { return in.BoolOr("addPreviousOutputInEnv", true) }

// streamLines copies r to the logger's status stream line by line until r hits EOF. Unlike a
// bufio.Scanner it never stops early on a long line (which would block the writers). Status is
// what upstream uses (util.LogOutput → ctx.LogStatus(diag.Info, line)).
func streamLines(r io.Reader, lg kit.Logger, done chan<- struct{}) {
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

// OutputCapture collects a process's stdout, stderr and their interleaving, and streams the
// selected streams to the logger.
type OutputCapture struct {
	mu                     sync.Mutex
	stdout, stderr, merged strings.Builder
	pr                     *io.PipeReader
	pw                     *io.PipeWriter
	done                   chan struct{}
}

// NewOutputCapture returns the capture and the writers to use as the process's stdout and stderr.
func NewOutputCapture(lg kit.Logger, mode LoggingMode) (*OutputCapture, io.Writer, io.Writer) {
	c := &OutputCapture{done: make(chan struct{})}
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
type lockedLogWriter struct{ c *OutputCapture }

func (l lockedLogWriter) Write(p []byte) (int, error) {
	l.c.mu.Lock()
	defer l.c.mu.Unlock()
	return l.c.pw.Write(p)
}

// Finish waits until everything written has been logged and returns stdout, stderr (each with one
// trailing newline removed, like upstream) and the merged output (for error messages).
func (c *OutputCapture) Finish() (string, string, string) {
	_ = c.pw.Close()
	<-c.done
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.TrimSuffix(c.stdout.String(), "\n"), strings.TrimSuffix(c.stderr.String(), "\n"), c.merged.String()
}
