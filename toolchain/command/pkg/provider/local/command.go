// Package local is the command:local namespace (upstream provider/pkg/provider/local).
package local

import (
	"homelab-iac/toolchain/command/pkg/provider/common"
	"homelab-iac/toolchain/kit"
)

// CommandType is the type token of local.Command.
const CommandType = "command:local:Command"

// Command is command:local:Command: the common command properties plus the local-only ones.
var Command = common.Command(CommandType, "A local command to be executed.", append(common.CommandProps("local"),
	kit.In("archivePaths", kit.ArrayOf(kit.String), "A list of path globs to return as a single archive asset after the command completes."),
	kit.In("assetPaths", kit.ArrayOf(kit.String), "A list of path globs to read after the command completes."),
	kit.In("dir", kit.String, "The directory from which to run the command from. If `dir` does not exist, then `Command` will fail."),
	kit.In("interpreter", kit.ArrayOf(kit.String), "The program and arguments to run the command. On Linux and macOS, defaults to: `[\"/bin/sh\", \"-c\"]`."),
	kit.Out("assets", kit.MapOf(kit.Asset), "A map of assets found after running the command (assetPaths).").Optional(),
	kit.Out("archive", kit.Archive, "An archive asset containing files found after running the command (archivePaths).").Optional(),
), Run)
