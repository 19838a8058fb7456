#!/usr/bin/env bash
# actionlint (https://github.com/rhysd/actionlint) over .github/workflows, as `make test` runs it.
# The pinned version is built once with `go install` from the Go module proxy into the shared
# cache ($HOMELAB_CACHE/actionlint-v$ACTIONLINT_VERSION); later runs only lint. actionlint also
# runs shellcheck on every `run:` script (scripts/setup.sh installs Debian's shellcheck).
# Config: .github/actionlint.yaml (the self-hosted runner's `homelab` label).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
# shellcheck source=scripts/env.sh
. "$here/env.sh"

ACTIONLINT_VERSION=1.7.12
dir="$HOMELAB_CACHE/actionlint-v$ACTIONLINT_VERSION"
if [ ! -x "$dir/actionlint" ]; then
  command -v go >/dev/null || { echo "actionlint: Go is needed to build actionlint v$ACTIONLINT_VERSION" >&2; exit 1; }
  echo "actionlint: building v$ACTIONLINT_VERSION into $dir" >&2
  tmp="$(mktemp -d "$HOMELAB_CACHE/actionlint-build.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  GOBIN="$tmp" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION"
  mkdir -p "$dir"
  mv "$tmp/actionlint" "$dir/actionlint"
fi
cd "$root"
"$dir/actionlint" -version | head -1 >&2
exec "$dir/actionlint" -config-file .github/actionlint.yaml "$@"
