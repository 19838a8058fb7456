package local

import "os/exec"

// ownProcessGroup: on Windows the default (kill the interpreter process) stays.
func ownProcessGroup(*exec.Cmd) {}
