#!/usr/bin/env bash
# Real-engine check: SIGKILL of `pulumi up` leaves no plugin process behind, and the stale lock it
# leaves is cleared by `pulumi cancel` (README "When pulumi is killed").
#
#   toolchain/e2e/orphans.sh        (after toolchain/build.sh; uses the repository's node_modules and policies/)
#
# A scratch program (own PULUMI_HOME copy, file backend) runs, under the policy pack, a dynamic-provider
# resource and then a local.Command that sleeps. While the command runs, every process descending from
# `pulumi` is recorded (language hosts, node program, node policy pack, command provider, dynamic
# provider, the command's sleep); then `pulumi` is SIGKILLed. Asserts: within 15 s none of them runs;
# the next `up` is refused with the lock message naming `pulumi cancel`; after `pulumi cancel` and
# `pulumi refresh --clear-pending-creates` an up converges without warnings (the interrupted create re-runs).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=toolchain/env.sh
. "$repo/toolchain/env.sh"
work="$(mktemp -d /tmp/orphans-e2e.XXXXXX)"
pids_file="$work/pids"
cleanup() {
  # Never leave a process of this test behind, whatever happened.
  if [ -f "$pids_file" ]; then while read -r p _; do kill -9 "$p" 2>/dev/null || true; done <"$pids_file"; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "E2E FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }

cp -a "$PULUMI_HOME" "$work/home"
export PULUMI_HOME="$work/home" PULUMI_CONFIG_PASSPHRASE=e2e PULUMI_BACKEND_URL="file://$work/state"
mkdir -p "$work/proj" "$work/state"
cd "$work/proj"
ln -s "$repo/node_modules" node_modules
printf 'name: orphans-e2e\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n' >Pulumi.yaml
printf '{ "name": "orphans-e2e", "main": "index.js" }\n' >package.json
cat >index.js <<JS
"use strict";
const pulumi = require("@pulumi/pulumi");
const command = require("@pulumi/command");
const noop = {
  async create() { return { id: "noop", outs: {} }; },
};
const dyn = new pulumi.dynamic.Resource(noop, "dyn", {});
new command.local.Command("slow", { create: "touch $work/marker; sleep 300" }, { dependsOn: [dyn] });
JS
pulumi stack init dev >/dev/null

descendants() { # descendants PID: every process below PID (pid and command), from /proc
  local all; all="$(ps -e -o pid=,ppid=,args=)"
  local queue=("$1") p
  while [ ${#queue[@]} -gt 0 ]; do
    p="${queue[0]}"; queue=("${queue[@]:1}")
    while read -r c pp args; do
      [ "$pp" = "$p" ] || continue
      echo "$c $args"; queue+=("$c")
    done <<<"$all"
  done
}

step "up, killed with SIGKILL while a command runs"
pulumi up --yes --skip-preview --non-interactive --policy-pack "$repo/policies" >"$work/up1.log" 2>&1 &
engine=$!
for _ in $(seq 240); do [ -f "$work/marker" ] && break; kill -0 "$engine" 2>/dev/null || break; sleep 0.5; done
[ -f "$work/marker" ] || { cat "$work/up1.log"; fail "the command never started"; }
sleep 1
descendants "$engine" >"$pids_file"
cat "$pids_file"
for want in pulumi-language-nodejs pulumi-resource-command run-policy-pack dynamic-provider "sleep 300"; do
  grep -q -- "$want" "$pids_file" || fail "no '$want' among the engine's processes: the test does not cover it"
done
kill -9 "$engine"
wait "$engine" 2>/dev/null || true
left=""
for _ in $(seq 30); do
  left="$(while read -r p args; do kill -0 "$p" 2>/dev/null && [ "$(ps -o stat= -p "$p" | cut -c1)" != Z ] && echo "$p $args"; done <"$pids_file" || true)"
  [ -z "$left" ] && break
  sleep 0.5
done
[ -z "$left" ] || fail "still running 15 s after the engine was killed:
$left"
echo "no plugin process left ($(wc -l <"$pids_file") processes ended)"

step "the stale lock is refused with a clear message, and pulumi cancel clears it"
if pulumi up --yes --skip-preview --non-interactive >"$work/up2.log" 2>&1; then fail "up ran although a lock was left"; fi
if ! grep -q "the stack is currently locked by 1 lock(s)" "$work/up2.log" || ! grep -q "pulumi cancel" "$work/up2.log"; then
  cat "$work/up2.log"; fail "no lock message naming pulumi cancel"
fi
pulumi cancel --yes >"$work/cancel.log" 2>&1 || { cat "$work/cancel.log"; fail "pulumi cancel"; }

step "refresh clears the interrupted create; the next up converges without warnings"
pulumi refresh --yes --non-interactive --clear-pending-creates >"$work/refresh.log" 2>&1 || { cat "$work/refresh.log"; fail "refresh"; }
rm -f "$work/marker"
sed -i 's/sleep 300/true/' index.js
pulumi up --yes --skip-preview --non-interactive >"$work/up3.log" 2>&1 || { cat "$work/up3.log"; fail "up after cancel"; }
if grep -qi "pending operation\|unknown state" "$work/up3.log"; then cat "$work/up3.log"; fail "pending operations remain after refresh"; fi
grep -q "+ 1 created" "$work/up3.log" || { cat "$work/up3.log"; fail "the interrupted command was not created"; }
echo "E2E OK"
