# shellcheck shell=bash
# lab/lib/up.sh - up: host root filesystems, segments and links, boot of each host (its PID 1 is tini).
# Sourced by lab/labctl (which sets SELF, LAB_SRC, CACHE_DIR, RUN_ROOT and the constants).

# ---------------------------------------------------------------------------
# up

lab_is_healthy() {  # lab sha
  local st j h
  st=$(state_dir "$1")
  j=$st/lab.json
  [[ -f $j ]] || return 1
  [[ $(jq -r .topologySha256 "$j") == "$2" && $(jq -r .image.hash "$j") == "$(image_hash)" ]] || return 1
  ip link show "$(jq -r .oobBridge "$j")" >/dev/null 2>&1 || return 1
  [[ $(jq -r '.labctlSha // ""' "$j") == "$(labctl_sha)" ]] || return 1
  # shellcheck disable=SC2034 # LABJSON is read by the other lab/lib files
  LAB=$1 LABJSON=$j
  local want have
  for h in $(jq -r '.hosts[].name' "$j"); do
    host_pid_alive "$h" >/dev/null || return 1
    [[ -e /proc/$(host_field "$h" pid)/root/run/homelab-lab/ready ]] || return 1
    # every interface the lab created must still exist (the product may have deleted one)
    want=$(jq -r --arg h "$h" '([.hosts[] | select(.name == $h) | .links[].ifname]
        + [.hosts[].links[] | select(.peer.host == $h) | .peer.ifname] + ["oob0"]) | sort | .[]' "$st/topology.json")
    have=$(ip -n "$(ns_name "$1" "$h")" -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort)
    [[ -z $(comm -23 <(echo "$want") <(echo "$have")) ]] || return 1
  done
}

# hash of the lab implementation (labctl, shims, init scripts): a changed lab is recreated by up
labctl_sha() { cat "$SELF" "$LAB_SRC"/lib/* "$LAB_SRC"/shims/* "$LAB_SRC"/initd/* 2>/dev/null | sha16 16; }

setup_networks() {  # uses TOPO LAB
  local sw oobbr gw prefix br seg
  sw=$(sw_ns "$LAB")
  oobbr=$(jq -r .oob.bridge <<<"$TOPO")
  gw=$(jq -r .oob.gateway <<<"$TOPO")
  prefix=$(jq -r .oob.prefix <<<"$TOPO")
  # --- OOB bridge in the root namespace (the deploy host owns the gateway address)
  if ip link show "$oobbr" >/dev/null 2>&1; then
    die "interface $oobbr already exists and does not belong to lab $LAB (delete it or change oob.bridge)"
  fi
  if ip -4 -o addr show | awk '{ split($4, a, "/"); print a[1] }' | grep -qxF "$gw"; then
    die "the OOB gateway $gw is already configured on this machine (another lab? change oob.cidr/gateway)"
  fi
  ip link add name "$oobbr" type bridge stp_state 0 forward_delay 0 mcast_snooping 0
  ip link set "$oobbr" alias "$(alias_prefix "$LAB")oob-bridge"
  ns_write "" "net/ipv6/conf/$oobbr/disable_ipv6" 1
  ns_write "" "net/ipv4/conf/$oobbr/forwarding" 0     # never route between hosts
  ns_write "" "net/ipv4/conf/$oobbr/proxy_arp" 0
  ip addr add "$gw/$prefix" dev "$oobbr"
  ip link set "$oobbr" up
  # --- switch namespace with one bridge per segment (no IP stack involvement at all)
  ip netns add "$sw"
  ns_write "$sw" net/ipv6/conf/default/disable_ipv6 1
  ns_write "$sw" net/ipv6/conf/all/disable_ipv6 1
  ns_write "$sw" net/bridge/bridge-nf-call-iptables 0
  ns_write "$sw" net/bridge/bridge-nf-call-ip6tables 0
  ns_write "$sw" net/bridge/bridge-nf-call-arptables 0
  ip -n "$sw" link set lo up
  DUMMY_OK=no
  if ip -n "$sw" link add name hldummytest type dummy 2>/dev/null; then
    ip -n "$sw" link del hldummytest
    DUMMY_OK=yes
  fi
  while IFS=$'\t' read -r seg br; do
    ip -n "$sw" link add name "$br" type bridge stp_state 0 forward_delay 0 mcast_snooping 0 \
      nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0
    ip -n "$sw" link set "$br" alias "segment $seg"
    ip -n "$sw" link set "$br" up
  done < <(jq -r '.segments[] | [.name, .bridge] | @tsv' <<<"$TOPO")
  setup_deployer "$sw"
}

# The deploy host's leg in a zone (topology `deployer`): a veth from the root namespace into that
# segment, an address there and routes to the zones of real VMs through the lab's router, so the
# deployer reaches a guest like a workstation in that zone would, exactly as the flows allow.
setup_deployer() {  # switch netns (uses TOPO LAB)
  local sw=$1 seg br addr port to via
  seg=$(jq -r '.deployer.segment // ""' <<<"$TOPO")
  [[ -n $seg ]] || return 0
  br=$(jq -r --arg s "$seg" '.segments[] | select(.name == $s) | .bridge' <<<"$TOPO")
  addr=$(jq -r .deployer.address <<<"$TOPO")
  port=hld$(printf '%s/deployer' "$LAB" | sha16 8)
  if ip -4 -o addr show | awk '{ split($4, a, "/"); print a[1] }' | grep -qxF "${addr%/*}"; then
    die "the deployer address ${addr%/*} is already configured on this machine (another lab?)"
  fi
  ip link add "$port" type veth peer name "${port}s" netns "$sw"
  ip link set "$port" alias "$(alias_prefix "$LAB")deployer"
  ns_write "" "net/ipv6/conf/$port/disable_ipv6" 1
  ns_write "" "net/ipv4/conf/$port/forwarding" 0
  ip -n "$sw" link set "${port}s" master "$br" up
  ip addr add "$addr" dev "$port"
  ip link set "$port" up
  while IFS=$'\t' read -r to via; do
    ip route add "$to" via "$via" dev "$port"
  done < <(jq -r '.deployer.routes[] | [.to, .via] | @tsv' <<<"$TOPO")
}

setup_host_net() {  # host index
  local h=$1 idx=$2 ns sw port oobbr prefix addr kind ifname seg peer_h peer_if mac a gw j=0 br swp
  ns=$(ns_name "$LAB" "$h")
  sw=$(sw_ns "$LAB")
  oobbr=$(jq -r .oob.bridge <<<"$TOPO")
  prefix=$(jq -r .oob.prefix <<<"$TOPO")
  addr=$(jq -r --arg h "$h" '.hosts[] | select(.name == $h) | .oobAddress' <<<"$TOPO")
  # OOB: veth, root end isolated on the OOB bridge
  port=$(oob_port "$LAB" "$h")
  ip link del "$port" 2>/dev/null || true
  ip link add name "$port" type veth peer name oob0 netns "$ns"
  ip link set "$port" alias "$(alias_prefix "$LAB")oob:$h"
  ns_write "" "net/ipv6/conf/$port/disable_ipv6" 1
  ip link set "$port" master "$oobbr"
  bridge link set dev "$port" isolated on
  ip link set "$port" up
  ip -n "$ns" link set oob0 address "$(det_mac "$LAB/$h/oob0")"
  ip -n "$ns" addr add "$addr/$prefix" dev oob0
  ip -n "$ns" link set oob0 up
  # links
  while IFS=$'\t' read -r kind ifname seg peer_h peer_if mac a gw; do
    [[ $mac == - ]] && mac=$(det_mac "$LAB/$h/$ifname")
    case $kind in
      segment)
        br=$(jq -r --arg s "$seg" '.segments[] | select(.name == $s) | .bridge' <<<"$TOPO")
        swp=h${idx}l$j
        ip link add name "$ifname" netns "$ns" address "$mac" type veth peer name "$swp" netns "$sw"
        ip -n "$sw" link set "$swp" alias "$h:$ifname"
        ip -n "$sw" link set "$swp" master "$br"
        ip -n "$sw" link set "$swp" up
        ;;
      dummy)
        if [[ $DUMMY_OK == yes ]]; then
          ip -n "$ns" link add name "$ifname" address "$mac" type dummy
        else  # no dummy driver: a veth whose other end is up but unattached in the switch ns
          swp=h${idx}t$j
          ip link add name "$ifname" netns "$ns" address "$mac" type veth peer name "$swp" netns "$sw"
          ip -n "$sw" link set "$swp" alias "$h:$ifname (dummy stand-in)"
          ip -n "$sw" link set "$swp" up
        fi
        ;;
      peer)
        ip link add name "$ifname" netns "$ns" address "$mac" type veth \
          peer name "$peer_if" netns "$(ns_name "$LAB" "$peer_h")" address "$(det_mac "$LAB/$peer_h/$peer_if")"
        ;;
    esac
    if [[ $a != - ]]; then  # only unmanaged hosts (validated)
      ip -n "$ns" link set "$ifname" up
      ip -n "$ns" addr add "$a" dev "$ifname"
      [[ $gw != - ]] && ip -n "$ns" route add default via "$gw" dev "$ifname"
    fi
    j=$((j + 1))
  done < <(jq -r --arg h "$h" '.hosts[] | select(.name == $h) | .links[]
      | [.kind, .ifname, (.segment // "-"), (.peer.host // "-"), (.peer.ifname // "-"), (.mac // "-"), (.address // "-"), (.gateway // "-")] | @tsv' <<<"$TOPO")
  # unmanaged hosts: links are "configured", bring everything up
  if [[ $(jq -r --arg h "$h" '.hosts[] | select(.name == $h) | .managed' <<<"$TOPO") == false ]]; then
    for ifname in $(jq -r --arg h "$h" '.hosts[] | select(.name == $h) | .links[] | select(.kind != "peer" or .address != null) | .ifname' <<<"$TOPO"); do
      ip -n "$ns" link set "$ifname" up
    done
  fi
  ip -n "$ns" link set lo up
}

start_host() {  # host -> prints "launcherPid initPid"
  local h=$1 hd=$STATE/hosts/$1 ns upid ipid=""
  ns=$(ns_name "$LAB" "$h")
  (
    close_fds
    exec setsid nsenter --net="/run/netns/$ns" -- \
      unshare --pid --mount --uts --ipc --fork --kill-child --propagation private -- \
      "$SELF" __boot "$LAB" "$h" "$IMG_ROOTFS" "$hd"
  ) </dev/null >>"$hd/console.log" 2>&1 &
  upid=$!
  for _ in $(seq 1 100); do
    ipid=$(cat "/proc/$upid/task/$upid/children" 2>/dev/null || true)
    ipid=${ipid%% *}
    [[ -n $ipid ]] && break
    kill -0 "$upid" 2>/dev/null || break
    sleep 0.05
  done
  [[ -n $ipid ]] || { tail -n 20 "$hd/console.log" >&2; die "host $h failed to start"; }
  echo "$upid ${ipid// /}"
}

wait_ready() {  # host launcherPid initPid
  local h=$1 upid=$2 ipid=$3
  for _ in $(seq 1 300); do
    [[ -e /proc/$ipid/root/run/homelab-lab/ready ]] && return 0
    kill -0 "$upid" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 30 "$STATE/hosts/$h/console.log" >&2
  die "host $h did not become ready (console: $STATE/hosts/$h/console.log)"
}

cmd_up() {
  [[ $# -eq 1 ]] || die "usage: labctl up <topology.json>"
  need_root
  need_runtime
  local topo_file t0 h idx ns hosts_json="[]" kh
  topo_file=$(readlink -f -- "$1")
  load_topology "$topo_file"
  t0=$(now_ms)
  run_lock
  if lab_is_healthy "$LAB" "$TOPO_SHA"; then
    log "lab $LAB is already up with this topology ($(state_dir "$LAB")/lab.json)"
    return 0
  fi
  teardown_lab "$LAB"
  ensure_image normal
  STATE=$(state_dir "$LAB")
  mkdir -p "$STATE/hosts"
  chmod 700 "$STATE"
  # the upper dirs must not live on overlayfs (e.g. a CI container): use a tmpfs then
  if [[ $(stat -f -c %T "$STATE") == overlayfs ]]; then
    mount -t tmpfs -o mode=700 "hl-$LAB" "$STATE/hosts"
  fi
  printf '%s\n' "$TOPO" | jq . >"$STATE/topology.json"
  ssh-keygen -q -t ed25519 -N '' -C "homelab-lab-deploy@$LAB" -f "$STATE/deploy_ed25519" </dev/null
  setup_networks
  # all netns first (peer links need both ends), then links
  local -a order
  mapfile -t order < <(jq -r '([.hosts[] | select(.role != "vm")] + [.hosts[] | select(.role == "vm")])[].name' <<<"$TOPO")
  for h in "${order[@]}"; do
    ns=$(ns_name "$LAB" "$h")
    ip netns add "$ns"
    mkdir -p "$STATE/hosts/$h"
  done
  for h in "${order[@]}"; do
    idx=$(jq -r --arg h "$h" '[.hosts[].name] | index($h)' <<<"$TOPO")
    setup_host_net "$h" "$idx"
    prepare_upper "$h"
  done
  # start: non-vm hosts first, vms after their hypervisors are ready
  declare -A UPID IPID
  local phase pids
  for phase in nonvm vm; do
    local -a batch
    mapfile -t batch < <(jq -r --arg p "$phase" '.hosts[] | select((.role == "vm") == ($p == "vm")) | .name' <<<"$TOPO")
    for h in "${batch[@]}"; do
      pids=$(start_host "$h")
      UPID[$h]=${pids% *}
      IPID[$h]=${pids#* }
    done
    for h in "${batch[@]}"; do wait_ready "$h" "${UPID[$h]}" "${IPID[$h]}"; done
  done
  # lab.json, known_hosts, ssh_config
  : >"$STATE/known_hosts"
  {
    echo "# generated by labctl for lab $LAB: ssh -F $STATE/ssh_config <host>"
    echo
  } >"$STATE/ssh_config"
  for h in "${order[@]}"; do
    local addr key
    addr=$(jq -r --arg h "$h" '.hosts[] | select(.name == $h) | .oobAddress' <<<"$TOPO")
    key=$(cut -d' ' -f1,2 "$STATE/hosts/$h/upper/etc/ssh/ssh_host_ed25519_key.pub")
    echo "$addr $key" >>"$STATE/known_hosts"
    printf 'Host %s\n  HostName %s\n\n' "$h" "$addr" >>"$STATE/ssh_config"
    hosts_json=$(jq -c --arg h "$h" --arg a "$addr" --arg k "$key" --argjson p "${IPID[$h]}" \
      --argjson u "${UPID[$h]}" --arg ns "$(ns_name "$LAB" "$h")" --arg port "$(oob_port "$LAB" "$h")" \
      --argjson t "$TOPO" \
      '. + [($t.hosts[] | select(.name == $h) | {name, oobAddress: $a, pid: $p, sshHostKey: $k,
        role, managed, shims, netns: $ns, oobPort: $port, launcherPid: $u})]' <<<"$hosts_json")
  done
  cat >>"$STATE/ssh_config" <<EOF
Host *
  User root
  IdentityFile $STATE/deploy_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $STATE/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 5
  LogLevel ERROR
EOF
  jq -n --arg name "$LAB" --arg st "$STATE" --arg topo "$topo_file" --arg sha "$TOPO_SHA" \
    --arg ih "$IMG_HASH" --arg ir "$IMG_ROOTFS" --argjson t "$TOPO" --argjson hosts "$hosts_json" \
    --arg created "$(date -u +%FT%TZ)" --arg lsha "$(labctl_sha)" '{
      name: $name, stateDir: $st, topology: $topo, topologySha256: $sha, created: $created,
      image: {hash: $ih, rootfs: $ir},
      deployKey: ($st + "/deploy_ed25519"), deployKeyPub: ($st + "/deploy_ed25519.pub"),
      labctlSha: $lsha,
      knownHosts: ($st + "/known_hosts"), sshConfig: ($st + "/ssh_config"),
      oobGateway: $t.oob.gateway, oobBridge: $t.oob.bridge, oobCidr: $t.oob.cidr,
      switchNetns: ("hl." + $name + "._sw"),
      segments: $t.segments,
      hosts: $hosts}' >"$STATE/lab.json.tmp"
  mv "$STATE/lab.json.tmp" "$STATE/lab.json"
  kh=$(jq -r '.hosts | length' "$STATE/lab.json")
  log "lab $LAB is up: $kh hosts in $(( ($(now_ms) - t0) / 1000 )).$(( ($(now_ms) - t0) % 1000 / 100 ))s; state: $STATE/lab.json"
}
