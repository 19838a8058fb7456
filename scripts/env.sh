# shellcheck shell=bash
# Shared environment for every entry point (Makefile targets, .ci/run, lab scripts).
# Source it; it never installs anything by itself.

# Pinned toolchain versions. @pulumi/pulumi in package.json must equal PULUMI_VERSION; each
# PULUMI_<PROVIDER>_VERSION is the plugin version the pinned npm SDK (@pulumi/<provider>) requests.
export NODE_VERSION=22.23.3
export PULUMI_VERSION=3.259.0
export PULUMI_COMMAND_VERSION=1.2.1
export PULUMI_RANDOM_VERSION=4.21.2

export HOMELAB_CACHE="${HOMELAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/homelab-iac}"
export HOMELAB_NODE_DIR="$HOMELAB_CACHE/node-v$NODE_VERSION"
export HOMELAB_TOOLCHAIN_DIR="$HOMELAB_CACHE/toolchain/pulumi-v$PULUMI_VERSION"

# Node 22 (installed by scripts/setup-node.sh) ahead of the system Node 20.
if [ -x "$HOMELAB_NODE_DIR/bin/node" ]; then
  case ":$PATH:" in *":$HOMELAB_NODE_DIR/bin:"*) ;; *) export PATH="$HOMELAB_NODE_DIR/bin:$PATH" ;; esac
fi
