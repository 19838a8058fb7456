// Command pulumi-resource-random is a STAND-IN for the Pulumi random provider (plugin `random`
// 4.21.2, github.com/pulumi/pulumi-random), which cannot be built here (the Go module proxy refuses
// pulumi-random/provider). It implements exactly what this project's program uses — RandomPassword
// and RandomBytes, with the upstream schema's names, types, defaults and secrets — and nothing
// else. It is installed only into this project's own PULUMI_HOME (toolchain/build.sh), reports the
// version 4.21.2+homelab.standin, and is never used where the real plugin is installed. See
// ../../README.md.
package main

import (
	"fmt"
	"os"

	"homelab-iac/toolchain/random/pkg/provider"
)

func main() {
	if len(os.Args) == 2 && (os.Args[1] == "--version" || os.Args[1] == "-version") {
		fmt.Println(provider.Version)
		return
	}
	if err := provider.Provider().Serve(); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-random (stand-in): %v\n", err)
		os.Exit(1)
	}
}
