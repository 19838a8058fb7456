// Command pulumi-resource-command is this project's own implementation of the subset of the
// Pulumi `command` resource provider (npm @pulumi/command 1.2.1) that the homelab program uses:
// command:local:Command, command:remote:Command and command:remote:CopyToRemote.
//
// It presents itself to the engine as plugin `command` version 1.2.1. See ../../README.md for the
// implemented semantics and the differences from the upstream provider.
package main

import (
	"fmt"
	"os"

	"homelab-iac/toolchain/command/internal/provider"
)

func main() {
	if len(os.Args) == 2 && (os.Args[1] == "--version" || os.Args[1] == "-version") {
		fmt.Println(provider.Version)
		return
	}
	if err := provider.Serve(); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-command: %v\n", err)
		os.Exit(1)
	}
}
