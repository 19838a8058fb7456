#!/usr/bin/env bash
# End-to-end check of the cloudflare STAND-IN with the real Pulumi engine and the real
# @pulumi/cloudflare 6.22.1 npm SDK (the repository's node_modules), in a scratch PULUMI_HOME and
# file backend, inside an empty network namespace (the stand-in must contact nothing):
#
#   toolchain/cloudflare/e2e/run.sh <bin dir with pulumi> <cloudflare plugin> <random plugin>
#
# Asserts: plugin ls names the stand-in; a preview of a tunnel, its config, a record and the token
# function (as components/public-dns.ts uses them) succeeds with 5 creates; a bad record type fails
# the preview with upstream's validator message; `up` fails with the "cannot reach Cloudflare"
# refusal naming the real plugin's install command, and nothing is recorded for the refused creates.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
bindir="${1:?usage: run.sh <bin dir> <cloudflare plugin> <random plugin>}"
work="$(mktemp -d /tmp/cloudflare-e2e.XXXXXX)"
trap 'rm -rf "$work"' EXIT
fail() { echo "E2E FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }
export PATH="$bindir:$PATH" PULUMI_HOME="$work/home" PULUMI_CONFIG_PASSPHRASE=e2e PULUMI_SKIP_UPDATE_CHECK=true \
  PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PULUMI_BACKEND_URL="file://$work/state"
mkdir -p "$work/proj" "$work/state"
for p in "$2" "$3"; do
  name="$(basename "$p")"; name="${name#pulumi-resource-}"
  pulumi plugin install resource "$name" "$("$p" --version)" --file "$p" >/dev/null
done
ls_out="$(pulumi plugin ls)"
grep -Eq "^cloudflare +resource +6\.22\.1\+homelab\.standin " <<<"$ls_out" || { echo "$ls_out"; fail "plugin ls does not name the stand-in"; }
cd "$work/proj"
ln -s "$repo/node_modules" node_modules
printf 'name: cloudflare-e2e\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n' >Pulumi.yaml
printf '{ "name": "cloudflare-e2e", "main": "index.js" }\n' >package.json
cp "$here/index.js" index.js
pulumi stack init dev >/dev/null
offline() { unshare --net sh -c 'ip link set lo up && exec "$@"' sh "$@"; }

step "preview (no network)"
offline pulumi preview --non-interactive >"$work/prev.log" 2>&1 || { cat "$work/prev.log"; fail "preview"; }
grep -q "+ 5 to create" "$work/prev.log" || { cat "$work/prev.log"; fail "preview did not plan 5 creates"; }

step "bad record type fails the preview with upstream's message"
pulumi config set type AXFR
if offline pulumi preview --non-interactive >"$work/prev2.log" 2>&1; then fail "type AXFR was accepted"; fi
grep -qF 'property type value {AXFR} has a problem: value must be one of: ["A" "AAAA"' "$work/prev2.log" ||
  { cat "$work/prev2.log"; fail "no clear message for a bad record type"; }
pulumi config rm type

step "up is refused: the stand-in cannot reach Cloudflare"
if offline pulumi up --yes --skip-preview --non-interactive >"$work/up.log" 2>&1; then fail "up succeeded"; fi
grep -q "homelab-iac STAND-IN (6.22.1+homelab.standin): it plans changes but cannot reach Cloudflare, so it cannot create" "$work/up.log" &&
  grep -q "pulumi plugin install resource cloudflare 6.22.1" "$work/up.log" || { cat "$work/up.log"; fail "no clear refusal"; }
pulumi stack export >"$work/export.json"
python3 - "$work/export.json" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["deployment"].get("resources") or []
cf = [r["type"] for r in res if r["type"].startswith("cloudflare:index/")]
assert not cf, f"refused creates were recorded: {cf}"
print("state: no Cloudflare resource recorded")
PY
echo "E2E OK"
