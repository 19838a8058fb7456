// Package provider is this project's STAND-IN for the Pulumi `command` resource provider (plugin
// `command` 1.2.1, github.com/pulumi/pulumi-command), laid out like upstream's
// provider/pkg/provider: one package per namespace (local, remote) and the shared parts in common.
// Each resource is one property table (toolchain/kit) from which Check, the schema and the input
// keys of the diff are derived.
package provider

import (
	"homelab-iac/toolchain/command/pkg/provider/local"
	"homelab-iac/toolchain/command/pkg/provider/remote"
	"homelab-iac/toolchain/kit"
)

// Name and Version under which the plugin presents itself: the version the @pulumi/command 1.2.1
// npm SDK requests, with build metadata naming the stand-in (semver precedence ignores it, so the
// engine selects this plugin for the SDK's request; `pulumi plugin ls` shows it).
const (
	Name    = "command"
	Version = "1.2.1+homelab.standin"
)

// Provider is the plugin: the three resources the program uses.
func Provider() *kit.Provider {
	return &kit.Provider{
		Name:        Name,
		Version:     Version,
		DisplayName: "Command (homelab-iac stand-in)",
		Description: "STAND-IN for pulumi-command 1.2.1: local.Command, remote.Command, remote.CopyToRemote (toolchain/command).",
		Resources:   []*kit.Resource{local.Command, remote.Command, remote.CopyToRemote},
	}
}
