// Command pulumi-resource-command is a STAND-IN for the Pulumi `command` provider (npm
// @pulumi/command 1.2.1): this project's own implementation of command:local:Command,
// command:remote:Command and command:remote:CopyToRemote, because the Go module proxy refuses
// pulumi-command. It reports the version 1.2.1+homelab.standin. See ../../README.md for the
// implemented semantics and the differences from the upstream provider.
package main

import (
	"fmt"
	"os"

	"homelab-iac/toolchain/command/pkg/provider"
)

func main() {
	if len(os.Args) == 2 && (os.Args[1] == "--version" || os.Args[1] == "-version") {
		fmt.Println(provider.Version)
		return
	}
	if err := provider.Provider().Serve(); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-command (stand-in): %v\n", err)
		os.Exit(1)
	}
}
