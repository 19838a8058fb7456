#!/usr/bin/env bash
# Runs `go test ./...` in one Go module of toolchain/, as `make test` does for each of them:
#
#   toolchain/go-test.sh toolchain/<module>
#
# In the Go environment of toolchain/build.sh (toolchain/go-env.sh: same module and build caches, nothing
# downloaded twice), with -count=1 so every test really runs (no cached result). Prints go test's usual text
# and, when $HOMELAB_TEST_RESULTS is set, appends `$HOMELAB_TEST_SUITE <passed> <failed>` to it (scripts/test.sh):
# top-level tests that passed and failed, plus one failure for each package that failed without a failing
# test (a build error, a panic in TestMain). A skipped test is named and counts as a failure: make test runs
# with everything the tests need installed, so a skip there hides a test that did not run.
# Log of the JSON events: $HOMELAB_TOOLCHAIN_DIR/logs/go-test-<module>.json.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
dir="${1:?usage: toolchain/go-test.sh <module directory>}"
[ -f "$dir/go.mod" ] || { echo "toolchain/go-test.sh: $dir has no go.mod (expected a Go module under toolchain/)" >&2; exit 2; }
# shellcheck source=scripts/env.sh
. "$repo/scripts/env.sh"
# shellcheck source=toolchain/go-env.sh
. "$here/go-env.sh"
command -v go >/dev/null || { echo "toolchain/go-test.sh: Go is not installed (see toolchain/build.sh)" >&2; exit 1; }
mod="$(basename "$dir")"
mkdir -p "$HOMELAB_TOOLCHAIN_DIR/logs"
events="$HOMELAB_TOOLCHAIN_DIR/logs/go-test-$mod.json"

(cd "$dir" && go test -count=1 -json ./...) >"$events"
rc=$?
# What plain `go test` prints: each package's result, and the whole output of every test that failed or was
# skipped (lines that are not JSON are the go command's own errors).
jq -Rj -s '
  [split("\n")[] | select(length > 0) | (fromjson? // {Output: (. + "\n")})] as $ev
  | ([$ev[] | select(.Test != null and (.Action == "fail" or .Action == "skip")) | "\(.Package) \(.Test)"]) as $bad
  | $ev[] | select(.Output != null)
  | select(.Test == null or ("\(.Package) \(.Test)" as $k | $bad | index($k)))
  | select(.Output | test("^(=== (RUN|PAUSE|CONT|NAME)|PASS$)") | not)
  | .Output' "$events" || true
counts="$(jq -rs '
  [.[] | select(type == "object")] as $ev
  | [$ev[] | select(.Test != null and (.Test | contains("/") | not) and (.Action == "pass" or .Action == "fail" or .Action == "skip"))] as $top
  | ([$top[] | select(.Action == "fail") | .Package] | unique) as $pkgWithFailedTest
  | ([$ev[] | select(.Test == null and .Action == "fail") | .Package] | unique
     | map(select(. as $p | $pkgWithFailedTest | index($p) | not)) | length) as $pkgFail
  | "\([$top[] | select(.Action == "pass")] | length) \(([$top[] | select(.Action == "fail")] | length) + $pkgFail) \([$top[] | select(.Action == "skip")] | length)"
' "$events" 2>/dev/null)" || counts=""
if [ -z "$counts" ]; then
  echo "toolchain/go-test.sh: go test in $dir produced no readable events (exit $rc); see $events" >&2
  exit 1
fi
read -r passed failed skipped <<<"$counts"
if [ "$skipped" -gt 0 ]; then
  jq -r 'select(.Action == "skip" and .Test != null) | "SKIPPED (counted as a failure): \(.Package) \(.Test)"' "$events" 2>/dev/null
  failed=$((failed + skipped))
fi
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi # go test failed in a way no event shows
echo "go test $dir: $passed passed, $failed failed"
if [ -n "${HOMELAB_TEST_RESULTS:-}" ]; then echo "${HOMELAB_TEST_SUITE:-go-$mod} $passed $failed" >>"$HOMELAB_TEST_RESULTS"; fi
[ "$failed" -eq 0 ]
