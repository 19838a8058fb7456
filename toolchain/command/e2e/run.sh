#!/usr/bin/env bash
# End-to-end check of our command provider with the real Pulumi engine against a throwaway sshd.
#
#   toolchain/command/e2e/run.sh <dir with pulumi + pulumi-language-nodejs> [<provider binary>]
#
# Builds the provider when no binary is given, installs it (as the version it reports,
# 1.2.1+homelab.standin, which the engine selects for the SDK's request of 1.2.1) into a scratch
# PULUMI_HOME, starts sshd (openssh-server; needs root) on a free 127.0.0.1 port with its own host
# keys and an ed25519 user key, creates a scratch Node project (the repository's node_modules:
# @pulumi/pulumi and @pulumi/command 1.2.1) with a local file backend, and asserts:
#   up #1 creates (commands run once), up #2 changes nothing and runs nothing, a trigger change
#   replaces (create of the replacement, then delete of the original with its previous stdout),
#   an `update` change updates in place (update runs with the previous stdout), a changed file
#   asset is copied again, the private key never appears in clear in `pulumi stack export` and
#   stdout is a secret when additionalSecretOutputs asks for it, `pulumi destroy` runs the deletes.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mod="$(cd "$here/.." && pwd)"
bindir="${1:?usage: run.sh <dir with pulumi and pulumi-language-nodejs> [provider binary]}"
work="$(mktemp -d /tmp/cmdprov-e2e.XXXXXX)"
sshd_pid=""
cleanup() {
  if [ -n "$sshd_pid" ]; then kill "$sshd_pid" 2>/dev/null || true; fi
  if [ "${KEEP:-}" != 1 ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT
fail() { echo "E2E FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }

mkdir -p "$work/bin" "$work/home" "$work/state" "$work/proj" "$work/sshd" "$work/marker"
cp "$bindir/pulumi" "$bindir/pulumi-language-nodejs" "$work/bin/"
if [ -n "${2:-}" ]; then
  cp "$2" "$work/pulumi-resource-command"
else
  step "build provider"
  (cd "$mod" && CGO_ENABLED=0 go build -trimpath -o "$work/pulumi-resource-command" ./cmd/pulumi-resource-command)
fi
# shellcheck source=/dev/null
. "$mod/../../scripts/env.sh"
export PATH="$work/bin:$PATH" PULUMI_HOME="$work/home" PULUMI_CONFIG_PASSPHRASE=x PULUMI_SKIP_UPDATE_CHECK=true \
  PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PULUMI_BACKEND_URL="file://$work/state"

step "install plugin"
ver="$("$work/pulumi-resource-command" --version)"
pulumi plugin install resource command "$ver" --file "$work/pulumi-resource-command" --reinstall >/dev/null
cmp -s "$work/home/plugins/resource-command-v$ver/pulumi-resource-command" "$work/pulumi-resource-command" ||
  fail "plugin not installed"

step "start sshd"
S="$work/sshd"
ssh-keygen -q -t ed25519 -N '' -f "$S/host_ed25519"
ssh-keygen -q -t ecdsa -N '' -f "$S/host_ecdsa"
ssh-keygen -q -t ed25519 -N '' -f "$S/user_key"
cp "$S/user_key.pub" "$S/authorized_keys"
port="$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')"
cat >"$S/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $S/host_ecdsa
HostKey $S/host_ed25519
PidFile $S/sshd.pid
AuthorizedKeysFile $S/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AcceptEnv PULUMI_COMMAND_STDOUT PULUMI_COMMAND_STDERR
Subsystem sftp internal-sftp
LogLevel ERROR
EOF
mkdir -p /run/sshd
/usr/sbin/sshd -D -e -f "$S/sshd_config" >"$S/sshd.log" 2>&1 &
sshd_pid=$!
for _ in $(seq 50); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

step "project"
cd "$work/proj"
printf '{ "name": "cmdprov-e2e", "main": "index.js" }\n' >package.json
printf 'name: cmdprov-e2e\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n' >Pulumi.yaml
cp "$here/index.js" index.js
echo "payload v1" >payload.txt
ln -s "$mod/../../node_modules" node_modules
pulumi stack init dev >/dev/null
pulumi config set markerDir "$work/marker"
pulumi config set port "$port"
pulumi config set hostKey "$(cut -d' ' -f1,2 "$S/host_ed25519.pub")"
pulumi config set --secret privateKey -- "$(cat "$S/user_key")"
log="$work/marker/log"

expect_log() { # expect_log <expected full log>
  local got; got="$(cat "$log" 2>/dev/null || true)"
  [ "$got" = "$1" ] || fail "marker log after $2:\n--- got\n$got\n--- want\n$1"
}

step "up #1 (create)"
pulumi up --yes --skip-preview >"$work/up1.log" 2>&1 || { cat "$work/up1.log"; fail "up #1"; }
grep -q "5 created" "$work/up1.log" || fail "up #1 did not create 5 resources"
expect_log $'local-create\nremote-create' "up #1"
[ "$(cat "$work/marker/remote/sub/payload.txt")" = "payload v1" ] || fail "CopyToRemote content"
[ "$(pulumi stack output remoteOut)" = "remote-out root" ] || fail "remote stdout"

step "up #2 (no changes, nothing runs)"
pulumi up --yes --skip-preview >"$work/up2.log" 2>&1 || { cat "$work/up2.log"; fail "up #2"; }
grep -q "5 unchanged" "$work/up2.log" || { cat "$work/up2.log"; fail "up #2 changed something"; }
expect_log $'local-create\nremote-create' "up #2"

step "trigger change (replace)"
pulumi config set trigger t2
pulumi preview --json >"$work/prev3.json" 2>/dev/null || true
grep -q '"op": "replace"' "$work/prev3.json" || fail "trigger change is not a replace"
pulumi up --yes --skip-preview >"$work/up3.log" 2>&1 || { cat "$work/up3.log"; fail "up #3"; }
grep -q "1 replaced" "$work/up3.log" || fail "up #3 did not replace"
expect_log $'local-create\nremote-create\nremote-create\nremote-delete prev=[remote-out root]' "up #3"

step "update command change (update)"
pulumi config set updateCmd "echo remote-update-v2 >> $work/marker/log; echo \"updated-v2 prev=[\$PULUMI_COMMAND_STDOUT]\""
pulumi up --yes --skip-preview >"$work/up4.log" 2>&1 || { cat "$work/up4.log"; fail "up #4"; }
grep -q "1 updated" "$work/up4.log" || fail "up #4 did not update"
expect_log $'local-create\nremote-create\nremote-create\nremote-delete prev=[remote-out root]\nremote-update-v2' "up #4"
[ "$(pulumi stack output remoteOut)" = "updated-v2 prev=[remote-out root]" ] || fail "update stdout"

step "file asset change (copy again)"
echo "payload v2" >payload.txt
pulumi up --yes --skip-preview >"$work/up5.log" 2>&1 || { cat "$work/up5.log"; fail "up #5"; }
[ "$(cat "$work/marker/remote/sub/payload.txt")" = "payload v2" ] || fail "CopyToRemote update"

step "stack export (secrets)"
pulumi stack export >"$work/export.json"
python3 - "$work/export.json" "$S/user_key" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1])); text = open(sys.argv[1]).read()
SIG = "4dabf18193072939515e22adb298388d"
def is_secret(v): return isinstance(v, dict) and v.get(SIG) == "1b47061264138c4ac30d75fd1eb44270" and "ciphertext" in v
key_line = open(sys.argv[2]).read().splitlines()[1]
assert key_line not in text, "private key in clear in the export"
for r in doc["deployment"]["resources"]:
    if r["type"].startswith("command:remote:"):
        assert is_secret(r["inputs"]["connection"]) and is_secret(r["outputs"]["connection"]), r["urn"]
    if r["urn"].endswith("::secretout"):
        assert is_secret(r["outputs"]["stdout"]), "additionalSecretOutputs stdout not secret"
    if r["urn"].endswith("::remote"):
        assert isinstance(r["outputs"]["stdout"], str), "plain stdout expected (no secret input flows into it)"
print("export: private key only as ciphertext; secretout.stdout secret; remote.stdout plain")
EOF

step "destroy"
pulumi destroy --yes --skip-preview >"$work/destroy.log" 2>&1 || { cat "$work/destroy.log"; fail "destroy"; }
grep -q "local-delete prev=\[local-out\]" "$log" || fail "local delete did not run with previous stdout"
grep -q "remote-delete prev=\[updated-v2 prev=\[remote-out root\]\]" "$log" || fail "remote delete did not run with previous stdout"
echo "E2E OK"
