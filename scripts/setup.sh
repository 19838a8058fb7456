#!/usr/bin/env bash
# Installs everything the tests and the lab need, idempotently and quickly when already done:
# Debian packages, Node $NODE_VERSION (from the npm registry), the npm dependencies.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
# shellcheck source=scripts/env.sh
. "$here/env.sh"

# Debian packages: the real validators the renderer tests run on generated files
# (nft -c, dnsmasq --test, nix-instantiate --parse, xmllint, sshd -t, ssh-keygen).
# graphviz renders the topology diagrams of `make docs`; shellcheck checks the workflows' `run:`
# scripts for actionlint (scripts/actionlint.sh).
# cloud-init (its schema and network parser read the rendered seeds), qemu-utils (qemu-img on VM disks);
# mmdebstrap and extlinux build the lab's VM base image (lab/guest-image.sh); jq reads the lab's state
# (lab/labctl, scripts/lab.sh) and counts the Go tests (toolchain/go-test.sh).
DEBIAN_PACKAGES=(nftables dnsmasq-base nix-bin libxml2-utils openssh-server openssh-client graphviz shellcheck
  cloud-init qemu-utils mmdebstrap extlinux jq)
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then echo "setup: need root for apt-get (or install: ${missing[*]})" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

"$here/setup-node.sh" >/dev/null
# shellcheck source=scripts/env.sh
. "$here/env.sh" # again: Node 22 is on PATH only once installed

# npm ci only when the lockfile changed since the last install (stamp inside node_modules).
npm_install() {
  local dir="$1"
  local stamp="$dir/node_modules/.homelab-lock.sha256"
  local want; want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)-node$NODE_VERSION"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  echo "setup: npm ci in ${dir#"$root"/}"
  # --ignore-scripts: @pulumi/* install scripts try to download provider plugins (no network here).
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
}
npm_install "$root"
npm_install "$root/policies"

# The compiled program and policy pack that pulumi runs (Pulumi.yaml main, runtime/compiled.ts):
# rebuilt only when a source changed since the last build.
if ! node "$root/build/runtime/compiled.js" check >/dev/null 2>&1; then
  echo "setup: npm run build (program and policy pack)"
  (cd "$root" && npm run -s build)
fi
