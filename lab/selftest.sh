#!/usr/bin/env bash
# lab/selftest.sh - end-to-end self-test of lab/labctl, with real packets.
#
# usage: sudo lab/selftest.sh [--cold] [topology.json]   (default: lab/topology.example.json)
#   --cold: rebuild the image from scratch (labctl image --rebuild) to time a cold build
#
# Builds or restores the image, brings the example lab up, checks ssh with pinned
# host keys, OOB isolation, segment L2 connectivity, real libvirt on hypervisors, the nixos-rebuild
# shims, Debian init scripts, OOB fault injection, crash recovery and a clean
# teardown. The example topology's host names (router, hv1, hv2, proxy1, nix1,
# app1, internet) are assumed. Prints timings and "N passed, M failed" (also appended to
# $HOMELAB_TEST_RESULTS when set, as `make test` does); exits 1 on any failure. Leaves no lab behind.
# shellcheck disable=SC2016  # single-quoted code runs in inner shells / lab hosts
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LABCTL=$HERE/labctl
COLD=0
if [[ ${1:-} == --cold ]]; then COLD=1; shift; fi
TOPO=$(readlink -f "${1:-$HERE/topology.example.json}")
RUN_ROOT=${HOMELAB_LAB_RUN:-/run/homelab-lab}
PASS=0
FAIL=0
TIMINGS=()
WORK=$(mktemp -d /tmp/lab-selftest.XXXXXX)
LISTENER_PID=""
cleanup() {
  [[ -n $LISTENER_PID ]] && kill "$LISTENER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

[[ $EUID -eq 0 ]] || { echo "selftest: must run as root" >&2; exit 1; }

ms() { local t; t=$(date +%s%N); echo $((t / 1000000)); }
pass() { PASS=$((PASS + 1)); printf 'ok   %s\n' "$*"; }
fail() { FAIL=$((FAIL + 1)); printf 'FAIL %s\n' "$*"; }
show() { sed 's/^/     | /' "$WORK/res" | tail -n 15; }
expect_ok() {
  local d=$1 rc
  shift
  "$@" >"$WORK/res" 2>&1
  rc=$?
  if ((rc == 0)); then pass "$d"; else fail "$d (rc=$rc)"; show; fi
}
expect_fail() {
  local d=$1
  shift
  if "$@" >"$WORK/res" 2>&1; then fail "$d (unexpectedly succeeded)"; show; else pass "$d"; fi
}
expect_eq() {
  if [[ $3 == "$2" ]]; then pass "$1"; else fail "$1: want '$2', got '$3'"; fi
}
expect_match() {  # desc regex text
  if [[ $3 =~ $2 ]]; then pass "$1"; else fail "$1: '$3' does not match /$2/"; fi
}
timed() {  # name cmd... (records the duration, returns the command's status)
  local name=$1 t0 rc
  shift
  t0=$(ms)
  "$@"
  rc=$?
  TIMINGS+=("$name $(($(ms) - t0)) rc=$rc")
  return $rc
}
lx() { "$LABCTL" exec "$@"; }
addr_of() { jq -r --arg h "$1" '.hosts[] | select(.name == $h) | .oobAddress' "$LABJSON"; }
sshh() {  # host cmd... : ssh with the deploy key and ONLY the lab's pinned host keys
  local h=$1
  shift
  ssh -i "$KEY" -o IdentitiesOnly=yes -o UserKnownHostsFile="$KH" -o GlobalKnownHostsFile=/dev/null \
    -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=3 -o LogLevel=ERROR \
    "root@$(addr_of "$h")" "$@" </dev/null
}
sshh_in() {  # like sshh, but passes stdin through
  local h=$1
  shift
  ssh -i "$KEY" -o IdentitiesOnly=yes -o UserKnownHostsFile="$KH" -o GlobalKnownHostsFile=/dev/null \
    -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=3 -o LogLevel=ERROR \
    "root@$(addr_of "$h")" "$@"
}
pid_running() {  # exists and is not a zombie
  local st
  st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  st=${st##*) }
  [[ ${st:0:1} != Z && ${st:0:1} != X ]]
}

echo "== labctl selftest: $TOPO"
shellcheck_status=skipped
if command -v shellcheck >/dev/null 2>&1; then
  if shellcheck "$LABCTL" "$HERE/selftest.sh" "$HERE"/shims/* "$HERE"/initd/*; then shellcheck_status=clean; else shellcheck_status=warnings; fi
fi

# ---------------------------------------------------------------- image
LAB=$(sed -n 's/.*"name"[[:space:]]*:[[:space:]]*"\([a-z0-9-]*\)".*/\1/p' "$TOPO" | head -n 1)
timed down-initial "$LABCTL" down "$LAB" >"$WORK/out" 2>&1
expect_eq "down on a clean machine (or after a previous run) succeeds" 0 "$?"
IMG_ARGS=()
((COLD)) && IMG_ARGS=(--rebuild)
if "$LABCTL" image "${IMG_ARGS[@]}" >"$WORK/img" 2>&1; then :; else cat "$WORK/img"; echo "selftest: image failed"; exit 1; fi
IMG_ACTION=$(sed -n 's/^image [0-9a-f]*: \([a-z]*\) in.*/\1/p' "$WORK/img")
IMG_SECS=$(sed -n 's/^image [0-9a-f]*: [a-z]* in \([0-9.]*\)s/\1/p' "$WORK/img")
TIMINGS+=("image-$IMG_ACTION $(awk -v s="$IMG_SECS" 'BEGIN { printf "%d", s * 1000 }') rc=0")
cat "$WORK/img"
timed image-warm-restore "$LABCTL" image --reextract >"$WORK/out" 2>&1
expect_ok "image restores from the cached tarball" grep -q ': restored in' "$WORK/out"

# ---------------------------------------------------------------- up
# piped through cat under a timeout: proves no daemon keeps the caller's stdout open
timed up timeout 600 bash -c '"$1" up "$2" 2>&1 | cat >"$3"' _ "$LABCTL" "$TOPO" "$WORK/up.log"
rc=$?
cat "$WORK/up.log"
((rc == 0)) || { echo "selftest: up failed (rc=$rc)"; "$LABCTL" down "$LAB"; exit 1; }
pass "up returns although its output is a pipe"
STATE=$RUN_ROOT/$LAB
LABJSON=$STATE/lab.json
KEY=$(jq -r .deployKey "$LABJSON")
KH=$(jq -r .knownHosts "$LABJSON")
mapfile -t HOSTS < <(jq -r '.hosts[].name' "$LABJSON")
expect_ok "lab.json has name, deploy key, OOB gateway and per-host name/oobAddress/pid/sshHostKey" \
  jq -e '.name and .deployKey and .deployKeyPub and .oobGateway and
    ([.hosts[] | select(.name and .oobAddress and (.pid | type == "number") and (.sshHostKey | test("^ssh-ed25519 [A-Za-z0-9+/=]+$")))] | length) == (.hosts | length)' "$LABJSON"
timed up-again "$LABCTL" up "$TOPO" >"$WORK/out" 2>&1
expect_ok "up twice is a no-op success" grep -q 'already up' "$WORK/out"
timed wait-ssh "$LABCTL" wait-ssh --timeout 60 >"$WORK/out" 2>&1
expect_eq "wait-ssh: every sshd accepts the deploy key with pinned host keys" 0 "$?"
expect_ok "status: all hosts alive with sshd listening" "$LABCTL" status

# ---------------------------------------------------------------- hosts, ssh, exec
for h in "${HOSTS[@]}"; do
  expect_eq "ssh $h (deploy key, StrictHostKeyChecking=yes, lab known_hosts) runs on $h" "$h" "$(sshh "$h" hostname 2>&1)"
done
ssh-keygen -q -t ed25519 -N '' -f "$WORK/fake" </dev/null
echo "$(addr_of router) $(cut -d' ' -f1,2 "$WORK/fake.pub")" >"$WORK/wrong_known_hosts"
ssh -i "$KEY" -o IdentitiesOnly=yes -o UserKnownHostsFile="$WORK/wrong_known_hosts" -o GlobalKnownHostsFile=/dev/null \
  -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=3 "root@$(addr_of router)" true </dev/null >"$WORK/out" 2>&1
expect_ok "ssh with a wrong pinned host key is refused (host key pinning works)" grep -q 'REMOTE HOST IDENTIFICATION HAS CHANGED\|Host key verification failed' "$WORK/out"
expect_eq "hosts offer only an ed25519 host key" "ssh-ed25519" \
  "$(ssh-keyscan -T 3 "$(addr_of router)" 2>/dev/null | awk '{print $2}' | sort -u | paste -sd,)"
expect_eq "host key in lab.json matches the key sshd serves" "$(jq -r '.hosts[] | select(.name == "app1") | .sshHostKey' "$LABJSON")" \
  "$(ssh-keyscan -T 3 -t ed25519 "$(addr_of app1)" 2>/dev/null | awk '{print $2" "$3}')"
expect_eq "exec: PID 1 of a host is tini (own pid namespace)" "tini" "$(lx app1 -- ps -o comm= -p 1)"
expect_eq "exec: hostname (own uts namespace)" "nix1" "$(lx nix1 -- hostname)"
lx app1 -- sh -c 'exit 7'
expect_eq "exec propagates the exit code" 7 "$?"
expect_eq "exec propagates stdin/stdout" "hello" "$(echo hello | lx app1 -- cat)"
lx app1 -- sh -c 'echo private > /root/only-on-app1'
expect_fail "upper dirs are private (a file written on app1 is not on nix1)" lx nix1 -- test -e /root/only-on-app1
expect_fail "the shared image is not modified by hosts" test -e "$(jq -r .image.rootfs "$LABJSON")/root/only-on-app1"
expect_ok "/ of a host is an overlay over the shared image" lx app1 -- sh -c "grep -q '^hl-app1 / overlay' /proc/mounts"
printf 'put %s /root/sftp-test\n' "$TOPO" >"$WORK/sftp.batch"
expect_ok "sftp upload with the deploy key works (openssh-sftp-server)" \
  sftp -i "$KEY" -o IdentitiesOnly=yes -o UserKnownHostsFile="$KH" -o GlobalKnownHostsFile=/dev/null \
  -o StrictHostKeyChecking=yes -o BatchMode=yes -b "$WORK/sftp.batch" "root@$(addr_of hv1)"
expect_ok "sftp'd file arrived intact" cmp <(lx hv1 -- cat /root/sftp-test) "$TOPO"

# ---------------------------------------------------------------- network layout
expect_eq "managed hosts have no default route" "" "$(lx app1 -- ip route show default)"
expect_eq "managed hosts' zone links start DOWN without addresses" "DOWN" "$(lx app1 -- ip -br link show eth0 | awk '{print $2}')"
expect_eq "unmanaged internet host: address configured" "203.0.113.2/24" "$(lx internet -- ip -4 -br addr show eth0 | awk '{print $3}')"
expect_eq "unmanaged internet host: default route via the router's WAN address" "default via 203.0.113.1 dev eth0" \
  "$(lx internet -- ip route show default | awk '{print $1,$2,$3,$4,$5}')"
expect_eq "proxy1's NIC has the MAC from the topology" "52:54:00:30:00:21" "$(lx proxy1 -- cat /sys/class/net/eth0/address)"
expect_eq "hv1 holds the VM NIC's other end, DOWN and unattached" "DOWN -" \
  "$(lx hv1 -- sh -c 'printf "%s " "$(ip -br link show vnet-proxy1-0 | awk "{print \$2}")"; [ -e /sys/class/net/vnet-proxy1-0/master ] && echo attached || echo -')"

# ---------------------------------------------------------------- OOB isolation
expect_ok "OOB: host -> deploy host (gateway) works" lx app1 -- ping -c1 -W2 "$(jq -r .oobGateway "$LABJSON")"
expect_fail "OOB: host -> other host's OOB address fails (ping)" lx app1 -- ping -c1 -W2 "$(addr_of nix1)"
expect_fail "OOB: host -> other host's sshd over OOB fails" lx app1 -- nc -z -w2 "$(addr_of nix1)" 22
lx app1 -- ip route add "$(addr_of nix1)/32" via "$(jq -r .oobGateway "$LABJSON")" dev oob0
expect_fail "OOB: the deploy host does not route between hosts" lx app1 -- nc -z -w2 "$(addr_of nix1)" 22
lx app1 -- ip route del "$(addr_of nix1)/32"
ROOTFS=$(jq -r .image.rootfs "$LABJSON")
timeout 20 chroot "$ROOTFS" nc -l -s "$(jq -r .oobGateway "$LABJSON")" -p 18022 </dev/null >/dev/null 2>&1 &
LISTENER_PID=$!
sleep 0.5
expect_ok "OOB: host -> TCP service on the deploy host works" lx app1 -- nc -z -w2 "$(jq -r .oobGateway "$LABJSON")" 18022
kill "$LISTENER_PID" 2>/dev/null
LISTENER_PID=""

# ---------------------------------------------------------------- segments (L2)
lx nix1 -- sh -c 'ip link set eth0 up && ip addr add 10.99.20.31/24 dev eth0'
lx app1 -- sh -c 'ip link set eth0 up && ip addr add 10.99.20.32/24 dev eth0'
lx hv1 -- sh -c 'ip link set eth1.40 up && ip addr add 10.99.20.11/24 dev eth1.40'
expect_ok "v20: nix1 -> app1 ping" lx nix1 -- ping -c2 -W2 10.99.20.32
expect_ok "v20: app1 -> nix1 ping" lx app1 -- ping -c2 -W2 10.99.20.31
expect_ok "v20: app1 -> nix1:22 TCP" lx app1 -- nc -z -w2 10.99.20.31 22
expect_eq "v20: ARP resolved to nix1's real MAC" "$(lx nix1 -- cat /sys/class/net/eth0/address)" \
  "$(lx app1 -- ip neigh show 10.99.20.31 | awk '{print $5}')"
expect_fail "v40 is a different L2 segment: hv1 (same subnet, on v40) cannot reach nix1" lx hv1 -- ping -c1 -W2 10.99.20.31
lx nix1 -- sh -c 'ip addr flush dev eth0 && ip link set eth0 down'
lx app1 -- sh -c 'ip addr flush dev eth0 && ip link set eth0 down'
lx hv1 -- sh -c 'ip addr flush dev eth1.40 && ip link set eth1.40 down'
lx router -- sh -c 'ip link set wan0 up && ip addr add 203.0.113.1/24 dev wan0'
expect_ok "wan: router -> internet host ping" lx router -- ping -c1 -W2 203.0.113.2
lx router -- sh -c 'ip addr flush dev wan0 && ip link set wan0 down'

# ---------------------------------------------------------------- real libvirt on hypervisors
cat >"$WORK/proxy1.xml" <<'EOF'
<domain type='qemu'>
  <name>proxy1</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <interface type='bridge'>
      <mac address='52:54:00:30:00:99'/>
      <source bridge='dmzbr'/>
      <target dev='vn-selftest-0'/>
      <model type='virtio'/>
    </interface>
  </devices>
</domain>
EOF
sed 's#<vcpu>1</vcpu>#<vcpu>1</vcpu#' "$WORK/proxy1.xml" >"$WORK/broken.xml"
printf 'put %s /root/proxy1.xml\nput %s /root/broken.xml\n' "$WORK/proxy1.xml" "$WORK/broken.xml" >"$WORK/sftp.batch"
sftp -i "$KEY" -o IdentitiesOnly=yes -o UserKnownHostsFile="$KH" -o GlobalKnownHostsFile=/dev/null \
  -o StrictHostKeyChecking=yes -o BatchMode=yes -b "$WORK/sftp.batch" "root@$(addr_of hv1)" >/dev/null
expect_ok "hypervisors run libvirtd (virsh answers)" sshh hv1 virsh -c qemu:///system version
expect_ok "libvirt offers emulated (qemu) x86_64 guests" bash -c '"$0" exec hv1 -- virsh capabilities | grep -Eq "<domain type=.qemu./?>"' "$LABCTL"
sshh hv1 virsh define /root/broken.xml >"$WORK/out" 2>&1
expect_eq "virsh define: malformed XML is rejected" "1" "$?"
expect_ok "virsh define proxy1" sshh hv1 virsh define /root/proxy1.xml
expect_eq "virsh domstate: shut off" "shut off" "$(sshh hv1 virsh domstate proxy1)"
lx hv1 -- sh -c 'ip link add dmzbr type bridge && ip link set dmzbr up'
expect_ok "virsh start: a real QEMU guest (no disk: it stays in its firmware)" sshh hv1 virsh start proxy1
expect_eq "virsh domstate: running" "running" "$(sshh hv1 virsh domstate proxy1)"
expect_ok "a qemu-system process runs inside hv1" lx hv1 -- pgrep -f qemu-system-x86_64
expect_eq "its tap is on the bridge the XML names" "dmzbr" \
  "$(lx hv1 -- sh -c 'basename "$(readlink /sys/class/net/vn-selftest-0/master)"')"
expect_ok "virsh destroy proxy1" sshh hv1 virsh destroy proxy1
expect_ok "virsh undefine proxy1" sshh hv1 virsh undefine proxy1
expect_fail "virsh domstate of an undefined domain is an error" sshh hv1 virsh domstate proxy1
lx hv1 -- sh -c 'ip link del dmzbr'
# The namespace stand-in for a guest (role vm): a veth whose hypervisor end is attached by hand.
lx hv1 -- sh -c 'ip link add dmzbr type bridge && ip link set dmzbr up && ip link set eth1.30 master dmzbr && ip link set eth1.30 up && ip link set vnet-proxy1-0 master dmzbr up'
lx proxy1 -- sh -c 'ip link set eth0 up && ip addr add 10.99.30.21/24 dev eth0'
lx router -- sh -c 'ip link set eth1.30 up && ip addr add 10.99.30.1/24 dev eth1.30'
expect_ok "VM path: proxy1 -> router over hv1's dmzbr and segment v30" lx proxy1 -- ping -c2 -W2 10.99.30.1
expect_ok "VM path: router -> proxy1 TCP 22" lx router -- nc -z -w2 10.99.30.21 22
lx proxy1 -- sh -c 'ip addr flush dev eth0 && ip link set eth0 down'
lx router -- sh -c 'ip addr flush dev eth1.30 && ip link set eth1.30 down'
lx hv1 -- sh -c 'ip link del dmzbr; ip link set eth1.30 down'
expect_fail "libvirtd runs only on hypervisors" lx app1 -- pgrep -x libvirtd

# ---------------------------------------------------------------- nixos-rebuild stand-in
if lx nix1 -- sh -c 'command -v nix-instantiate' >/dev/null 2>&1; then
  P=/nix/var/nix/profiles
  sshh_in nix1 'mkdir -p /etc/nixos && cat > /etc/nixos/configuration.nix' <<<'{ config, pkgs, ... }: { imports = [ ./hardware.nix ]; networking.hostName = "nix1"; networking.nftables.enable = true; networking.firewall.allowedTCPPorts = [ 2049 ]; services.openssh = { enable = true; ports = [ 22 ]; settings.MaxAuthTries = 4; }; }'
  sshh_in nix1 'cat > /etc/nixos/hardware.nix' <<<'{ ... }: { boot.loader.grub.device = "/dev/vda"; }'
  # nixos-rebuild builds from root's channel `nixos`, as the real one does (lab/shims/nix-channel).
  expect_ok "nix-channel --add: root subscribes to nixos-25.05" sshh nix1 nix-channel --add https://nixos.org/channels/nixos-25.05 nixos
  expect_ok "nix-channel --update nixos" sshh nix1 nix-channel --update nixos
  expect_ok "nixos-rebuild switch (valid config)" sshh nix1 nixos-rebuild switch
  expect_eq "nixos-rebuild switch: generation 1 is current" "system-1-link" "$(lx nix1 -- readlink $P/system)"
  expect_ok "nixos-rebuild switch: the system holds the configuration" lx nix1 -- sh -c "cmp /etc/nixos/hardware.nix $P/system/configuration/hardware.nix"
  expect_eq "nixos-rebuild switch: the real sshd uses the generated config" "maxauthtries 4" "$(lx nix1 -- sh -c 'sshd -T -C user=root,host=localhost,addr=127.0.0.1 | grep ^maxauthtries')"
  expect_ok "nixos-rebuild switch: the firewall table is loaded" lx nix1 -- sh -c 'nft list chain inet nixos-fw input-allow | grep -q "tcp dport { 22, 2049 } accept"'
  expect_ok "ssh still works through the new sshd and firewall" sshh nix1 true
  sshh_in nix1 'sed -i "s/MaxAuthTries = 4/MaxAuthTries = 5/" /etc/nixos/configuration.nix'
  expect_ok "nixos-rebuild switch (a second generation)" sshh nix1 nixos-rebuild switch
  expect_eq "generation 2 is current" "system-2-link" "$(lx nix1 -- readlink $P/system)"
  expect_ok "nixos-rebuild switch --rollback" sshh nix1 nixos-rebuild switch --rollback
  expect_eq "rolled back: generation 1 is current again" "system-1-link" "$(lx nix1 -- readlink $P/system)"
  expect_eq "rolled back: sshd runs generation 1's config" "maxauthtries 4" "$(lx nix1 -- sh -c 'sshd -T -C user=root,host=localhost,addr=127.0.0.1 | grep ^maxauthtries')"
  sshh_in nix1 'cat > /etc/nixos/hardware.nix' <<<'{ ... }: { boot.loader.grub.device = ; }'
  sshh nix1 nixos-rebuild switch >"$WORK/out" 2>&1
  expect_eq "nixos-rebuild switch: parse error fails" "1" "$?"
  expect_ok "nixos-rebuild: the Nix parser's message is shown" grep -q 'syntax error' "$WORK/out"
  expect_eq "nixos-rebuild: a failed switch adds no generation" "system-1-link" "$(lx nix1 -- readlink $P/system)"
  expect_fail "nixos-rebuild dry-build also validates" sshh nix1 nixos-rebuild dry-build
  expect_ok "shim log records nixos-rebuild calls" lx nix1 -- grep -q '"shim":"nixos-rebuild","argv":\["switch"\],"rc":1' /var/log/homelab-shims.log
else
  echo "skip nixos-rebuild checks: image built without nix-bin"
fi

# ---------------------------------------------------------------- Debian init scripts without systemd
old=$(lx router -- cat /run/sshd.pid)
expect_ok "service ssh reload" lx router -- service ssh reload
sleep 0.5
expect_eq "ssh reload keeps the listener pid (SIGHUP re-exec)" "$old" "$(lx router -- cat /run/sshd.pid)"
expect_ok "ssh works after reload" sshh router true
expect_ok "service ssh restart" lx router -- service ssh restart
expect_ok "ssh works after restart" sshh router true
expect_ok "service dnsmasq restart starts dnsmasq" lx router -- service dnsmasq restart
expect_ok "dnsmasq listens on udp/53 in the host" lx router -- sh -c "ss -Hlun 'sport = :53' | grep -q ."
expect_ok "service dnsmasq status" lx router -- service dnsmasq status
expect_ok "service dnsmasq stop" lx router -- service dnsmasq stop
lx router -- sh -c 'printf "flush ruleset\ntable inet labtest {\n  chain input {\n    type filter hook input priority 0;\n  }\n}\n" > /etc/nftables.conf'
expect_ok "service nftables restart (lab compat init script) loads /etc/nftables.conf" lx router -- service nftables restart
expect_ok "nftables ruleset is live in the host's netns" lx router -- sh -c 'nft list tables | grep -q labtest'
expect_ok "service nftables stop flushes" lx router -- service nftables stop
lx hv2 -- sh -c 'printf "auto eth1.30\niface eth1.30 inet static\n  address 10.99.30.12/24\n" > /etc/network/interfaces.d/lab'
lx hv2 -- ifup eth1.30 >/dev/null 2>&1
lx hv2 -- ifdown eth1.30 >/dev/null 2>&1
expect_ok "ifdown of a VLAN stand-in keeps the device (ip shim)" lx hv2 -- test -e /sys/class/net/eth1.30
expect_ok "ifup after ifdown works" lx hv2 -- ifup eth1.30
lx hv2 -- sh -c 'ifdown eth1.30; rm /etc/network/interfaces.d/lab' >/dev/null 2>&1

# ---------------------------------------------------------------- OOB fault injection
expect_ok "labctl oob hv2 down" "$LABCTL" oob hv2 down
expect_fail "ssh to hv2 fails while its OOB link is down" sshh hv2 true
expect_fail "status reports the cut link (non-zero)" "$LABCTL" status
expect_ok "labctl oob hv2 up" "$LABCTL" oob hv2 up
expect_ok "ssh to hv2 works again (wait-ssh hv2)" "$LABCTL" wait-ssh --timeout 30 hv2

# ---------------------------------------------------------------- crash recovery
kill -9 "$(jq -r '.hosts[] | select(.name == "app1") | .launcherPid' "$LABJSON")"
sleep 0.3
expect_fail "status notices a dead host" "$LABCTL" status
timed up-after-crash "$LABCTL" up "$TOPO" >"$WORK/out" 2>&1
expect_ok "up after a crash rebuilds the lab" grep -q 'is up' "$WORK/out"
expect_ok "all hosts reachable after recovery" "$LABCTL" wait-ssh --timeout 60

# ---------------------------------------------------------------- down
PIDS=$(jq -r '.hosts[] | .pid, .launcherPid' "$LABJSON")
mapfile -t NETNS_IDS < <(for p in $(jq -r '.hosts[].pid' "$LABJSON"); do readlink "/proc/$p/ns/net"; done)
BRIDGES=$(jq -r '.oobBridge' "$LABJSON")
timed down "$LABCTL" down "$LAB" >"$WORK/out" 2>&1
expect_eq "down" 0 "$?"
expect_eq "down: no lab network namespaces left" "" "$(ip netns list | grep "^hl\.$LAB\." || true)"
expect_eq "down: no mounts left" "" "$(grep -E "$STATE|hl\.$LAB\.|$ROOTFS" /proc/self/mounts || true)"
expect_eq "down: no OOB bridge / lab links left in the root namespace" "" \
  "$(ip -o link show | grep -E ": ($BRIDGES|hlo[0-9a-f]{8})[:@]" || true)"
left=""
for p in $PIDS; do pid_running "$p" && left+=" $p"; done
for p in /proc/[0-9]*; do
  n=$(readlink "$p/ns/net" 2>/dev/null) || continue
  for id in "${NETNS_IDS[@]}"; do [[ -n $id && $n == "$id" ]] && left+=" ${p#/proc/}"; done
done
expect_eq "down: no lab processes left" "" "$left"
left=""
for p in /proc/[0-9]*; do
  [[ $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) == *"__boot $LAB "* ]] && pid_running "${p#/proc/}" && left+=" ${p#/proc/}"
done
expect_eq "down: no processes running labctl __boot" "" "$left"
expect_fail "down: state directory removed" test -e "$STATE"
timed down-again "$LABCTL" down "$LAB" >"$WORK/out" 2>&1
expect_eq "down twice is fine" 0 "$?"
ip netns add "hl.$LAB.ghost"
mkdir -p "$STATE/hosts/ghost"
"$LABCTL" down "$LAB" >/dev/null 2>&1
expect_eq "down cleans leftovers of a partial lab" "" "$(ip netns list | grep "^hl\.$LAB\." || true; ls -d "$STATE" 2>/dev/null)"

# ---------------------------------------------------------------- summary
echo
echo "shellcheck: $shellcheck_status"
echo "timings:"
for t in "${TIMINGS[@]}"; do
  read -r name msec rc <<<"$t"
  printf '  %-20s %7.1fs  %s\n' "$name" "$(awk -v m="$msec" 'BEGIN { print m / 1000 }')" "$rc"
done
echo "$PASS passed, $FAIL failed"
# Under make test (scripts/test.sh), the counts join its summary.
if [[ -n ${HOMELAB_TEST_RESULTS:-} ]]; then echo "${HOMELAB_TEST_SUITE:-labctl} $PASS $FAIL" >>"$HOMELAB_TEST_RESULTS"; fi
((FAIL == 0))
