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
  if "$@"; then echo "check $name ok"; echo "$name 1 0" >>"$results"
  else echo "check $name FAILED"; echo "$name 0 1" >>"$results"; fi
}

# A mocha suite reports its own counts through tests/support/summary-reporter.ts; a suite that dies
# before reporting counts as one failure.
suite() {
  local name="$1"; shift
  echo "=== $name: $*"
  local before; before=$(wc -l <"$results")
  HOMELAB_TEST_SUITE="$name" "$@"
  local rc=$?
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
# End to end: the real engine against the simulated lab (needs root: namespaces, mounts).
check toolchain toolchain/build.sh
suite e2e npx mocha --config .mocharc.e2e.json --reporter ./tests/support/summary-reporter.ts

passed=$(awk '{p+=$2} END {print p+0}' "$results")
failed=$(awk '{f+=$3} END {print f+0}' "$results")
echo
awk '{printf "  %-12s %s passed, %s failed\n", $1, $2, $3}' "$results"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
