#!/usr/bin/env bash
# The README's test command (`make test`): installs what it needs, then runs every suite and check.
# Ends with one plain line `N passed, N failed` and exits non-zero on any failure.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
cd "$root" || exit 1

"$here/setup.sh" || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
# shellcheck source=scripts/env.sh
. "$here/env.sh"

results="$(mktemp)"
trap 'rm -f "$results"' EXIT
export HOMELAB_TEST_RESULTS="$results"

# A static check counts as one test.
check() {
  local name="$1"; shift
  echo "=== $name: $*"
  local t0=$SECONDS
  if "$@"; then echo "check $name ok ($((SECONDS - t0)) s)"; echo "$name 1 0" >>"$results"
  else echo "check $name FAILED ($((SECONDS - t0)) s)"; echo "$name 0 1" >>"$results"; fi
}

# A mocha suite reports its own counts through tests/support/summary-reporter.ts; a suite that dies
# before reporting counts as one failure.
suite() {
  local name="$1"; shift
  echo "=== $name: $*"
  local before; before=$(wc -l <"$results")
  local t0=$SECONDS
  HOMELAB_TEST_SUITE="$name" "$@"
  local rc=$?
  echo "suite $name exited $rc ($((SECONDS - t0)) s)"
  if [ "$(wc -l <"$results")" -eq "$before" ]; then echo "$name 0 1" >>"$results"
  elif [ $rc -ne 0 ] && ! awk -v n="$name" '$1==n && $3>0 {f=1} END {exit !f}' "$results"; then
    echo "$name-exit 0 1" >>"$results"
  fi
}

check typecheck npm run -s typecheck
check lint npm run -s lint
check format npx prettier --check --log-level warn .
check actionlint scripts/actionlint.sh
suite unit npx mocha --reporter ./tests/support/summary-reporter.ts
check toolchain toolchain/build.sh
# The Go modules' own tests (after the build: same module and build caches), one suite per module; a module
# without Go files (toolchain/cli: go.mod/go.sum only, pinning the CLI build) has nothing to test.
for mod in $(find toolchain -name go.mod -printf '%h\n' | LC_ALL=C sort); do
  if [ -z "$(find "$mod" -name '*.go' -print -quit)" ]; then echo "=== go-${mod#toolchain/}: no Go files, nothing to test"; continue; fi
  suite "go-${mod#toolchain/}" toolchain/go-test.sh "$mod"
done
# The real engine with the built toolchain, no lab: no plugin process outlives a SIGKILLed engine; each
# stand-in provider against the real engine and its real npm SDK (command: a throwaway sshd on 127.0.0.1).
tc_bin="$HOMELAB_TOOLCHAIN_DIR/bin" tc_plugins="$HOMELAB_TOOLCHAIN_DIR/plugins"
check orphans toolchain/e2e/orphans.sh
check engine-command toolchain/command/e2e/run.sh "$tc_bin" "$tc_plugins/pulumi-resource-command"
check engine-random toolchain/random/e2e/run.sh "$tc_bin" "$tc_plugins/pulumi-resource-random"
check engine-cloudflare toolchain/cloudflare/e2e/run.sh "$tc_bin" "$tc_plugins/pulumi-resource-cloudflare" "$tc_plugins/pulumi-resource-random"
# End to end: the real engine against the simulated lab (needs root: namespaces, mounts).
suite e2e npx mocha --config .mocharc.e2e.json --reporter ./tests/support/summary-reporter.ts
# The lab driver's own self-test (lab/labctl on lab/topology.example.json, real packets); after the e2e
# suite, which takes its lab down. Its closing line `N passed, M failed` is its count.
suite labctl lab/selftest.sh

passed=$(awk '{p+=$2} END {print p+0}' "$results")
failed=$(awk '{f+=$3} END {print f+0}' "$results")
echo
awk '{printf "  %-18s %s passed, %s failed\n", $1, $2, $3}' "$results"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
