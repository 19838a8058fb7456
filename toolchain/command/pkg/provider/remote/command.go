// Package remote is the command:remote namespace (upstream provider/pkg/provider/remote): the SSH
// connection, remote.Command and remote.CopyToRemote.
package remote

import (
	"homelab-iac/toolchain/command/pkg/provider/common"
)

// CommandType is the type token of remote.Command.
const CommandType = "command:remote:Command"

// Command is command:remote:Command: the common command properties plus the connection.
var Command = common.Command(CommandType, "A command to run on a remote host. The connection is established via ssh.",
	append(common.CommandProps("remote"), connectionProp()), Run)
