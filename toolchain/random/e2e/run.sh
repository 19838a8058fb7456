#!/usr/bin/env bash
# End-to-end check of the random STAND-IN with the real Pulumi engine and the real @pulumi/random
# 4.21.2 npm SDK (from the repository's node_modules), in a scratch PULUMI_HOME and file backend:
#
#   toolchain/random/e2e/run.sh <dir with pulumi + pulumi-language-nodejs> <provider binary>
#
# Asserts: `pulumi plugin ls` names the stand-in; up #1 creates; the generated values are secrets in
# the state (ciphertext only); up #2 changes nothing and keeps the values; a keeper change and a
# length change replace the password (and only it) with a new value; RandomBytes' ID is its base64
# value, as upstream pulumi-random records it (computeRandomBytesID: IDs cannot be secret).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
bindir="${1:?usage: run.sh <bin dir with pulumi> <pulumi-resource-random>}"
plugin="${2:?usage: run.sh <bin dir with pulumi> <pulumi-resource-random>}"
work="$(mktemp -d /tmp/random-e2e.XXXXXX)"
trap 'rm -rf "$work"' EXIT
fail() { echo "E2E FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }

export PATH="$bindir:$PATH" PULUMI_HOME="$work/home" PULUMI_CONFIG_PASSPHRASE=e2e PULUMI_SKIP_UPDATE_CHECK=true \
  PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PULUMI_BACKEND_URL="file://$work/state"
mkdir -p "$work/proj" "$work/state"
ver="$("$plugin" --version)"
pulumi plugin install resource random "$ver" --file "$plugin" >/dev/null
ls_out="$(pulumi plugin ls)"
grep -Eq "^random +resource +4\.21\.2\+homelab\.standin " <<<"$ls_out" || { echo "$ls_out"; fail "plugin ls does not name the stand-in"; }

cd "$work/proj"
ln -s "$repo/node_modules" node_modules
printf 'name: random-e2e\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n' >Pulumi.yaml
printf '{ "name": "random-e2e", "main": "index.js" }\n' >package.json
cp "$here/index.js" index.js
pulumi stack init dev >/dev/null
out() { pulumi stack output --show-secrets "$1"; }

step "up #1 (create)"
pulumi up --yes --non-interactive >"$work/up1.log" 2>&1 || { cat "$work/up1.log"; fail "up #1"; }
grep -q "3 created" "$work/up1.log" || { cat "$work/up1.log"; fail "up #1 did not create 2 resources + the stack"; }
pw1="$(out password)"; b1="$(out base64)"
[ "${#pw1}" = 32 ] || fail "password length ${#pw1}, want 32"
case "$pw1" in *[!A-Za-z0-9]*) fail "special characters in '$pw1' although special: false" ;; esac
[ "$(out passwordId)" = none ] || fail "RandomPassword ID is not 'none'"
[ "$(printf %s "$b1" | base64 -d | wc -c)" = 32 ] || fail "base64 is not 32 bytes"
[ "$(out hex)" = "$(printf %s "$b1" | base64 -d | od -An -tx1 -v | tr -d ' \n')" ] || fail "hex differs from base64"

step "state: generated values only as ciphertext"
pulumi stack export >"$work/export.json"
python3 - "$work/export.json" "$pw1" "$b1" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1])); pw, b64 = sys.argv[2], sys.argv[3]
SIG = "4dabf18193072939515e22adb298388d"
def secret(v): return isinstance(v, dict) and v.get(SIG) == "1b47061264138c4ac30d75fd1eb44270" and "ciphertext" in v
text = open(sys.argv[1]).read()
assert pw not in text, "the password is in clear in the state"
for r in doc["deployment"]["resources"]:
    if r["type"] == "random:index/randomPassword:RandomPassword":
        assert secret(r["outputs"]["result"]) and secret(r["outputs"]["bcryptHash"]), r["outputs"]
    if r["type"] == "random:index/randomBytes:RandomBytes":
        assert secret(r["outputs"]["base64"]) and secret(r["outputs"]["hex"]), r["outputs"]
        assert r["id"] == b64, "RandomBytes ID must be its base64 value, as upstream records it"
print("state: result, bcryptHash, base64, hex are ciphertext; RandomBytes ID = base64 (upstream behaviour)")
PY

step "up #2 (no change keeps the values)"
pulumi up --yes --non-interactive >"$work/up2.log" 2>&1 || { cat "$work/up2.log"; fail "up #2"; }
grep -q "3 unchanged" "$work/up2.log" || { cat "$work/up2.log"; fail "up #2 changed something"; }
if [ "$(out password)" != "$pw1" ] || [ "$(out base64)" != "$b1" ]; then fail "values changed without an input change"; fi

step "keeper change (replace)"
pulumi config set keeper other
pulumi preview --non-interactive --diff >"$work/prev3.log" 2>&1 || { cat "$work/prev3.log"; fail "preview #3"; }
grep -q "+-random:index/randomPassword:RandomPassword: (replace)" "$work/prev3.log" || { cat "$work/prev3.log"; fail "keeper change is not a replace"; }
pulumi up --yes --non-interactive >"$work/up3.log" 2>&1 || { cat "$work/up3.log"; fail "up #3"; }
grep -q "1 replaced" "$work/up3.log" || { cat "$work/up3.log"; fail "up #3 did not replace exactly one resource"; }
pw2="$(out password)"
[ "$pw2" != "$pw1" ] || fail "replacement kept the old password"
[ "$(out base64)" = "$b1" ] || fail "the bytes changed although their inputs did not"

step "length change (replace)"
pulumi config set length 40
pulumi up --yes --non-interactive >"$work/up4.log" 2>&1 || { cat "$work/up4.log"; fail "up #4"; }
grep -q "1 replaced" "$work/up4.log" || fail "length change did not replace"
[ "$(out password | wc -c)" = 41 ] || fail "new password is not 40 characters"

step "bad input (check failure before anything runs)"
pulumi config set length 0
if pulumi preview --non-interactive >"$work/prev5.log" 2>&1; then fail "length 0 was accepted"; fi
grep -qF "property length value {0} has a problem: value must be at least 1, got: 0" "$work/prev5.log" || { cat "$work/prev5.log"; fail "no clear message for length 0"; }
echo "E2E OK"
