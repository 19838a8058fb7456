//go:build !windows

package local

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup runs the command in a process group of its own and makes a cancellation (the
// engine's Cancel, or the engine dying: kit/lifecycle) kill the whole group, so that what the
// shell started (`sleep`, a build, a pipeline) ends with it instead of running on as an orphan.
// Upstream kills only the interpreter process.
func ownProcessGroup(c *exec.Cmd) {
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
}
