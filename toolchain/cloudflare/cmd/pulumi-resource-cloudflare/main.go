// Command pulumi-resource-cloudflare is a STAND-IN for the Pulumi Cloudflare provider (plugin
// `cloudflare` 6.22.1, github.com/pulumi/pulumi-cloudflare), which cannot be built here (the Go
// module proxy refuses pulumi-cloudflare/provider/v6). It PLANS exactly what the homelab program
// uses — DnsRecord, ZeroTrustTunnelCloudflared, ZeroTrustTunnelCloudflaredConfig and the
// getZeroTrustTunnelCloudflaredToken function, with the upstream schema's names, types, defaults,
// secrets and replacements — and never talks to Cloudflare: creating, changing, reading or
// deleting anything fails with a message that says so. It reports the version
// 6.22.1+homelab.standin and is installed only into this project's own PULUMI_HOME, never where
// the real plugin is. See ../../README.md.
package main

import (
	"fmt"
	"os"

	"homelab-iac/toolchain/cloudflare/pkg/provider"
)

func main() {
	if len(os.Args) == 2 && (os.Args[1] == "--version" || os.Args[1] == "-version") {
		fmt.Println(provider.Version)
		return
	}
	if err := provider.Provider().Serve(); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-cloudflare (stand-in): %v\n", err)
		os.Exit(1)
	}
}
