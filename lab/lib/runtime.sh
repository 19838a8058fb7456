# shellcheck shell=bash
# lab/lib/runtime.sh - commands on a running lab: exec, sw, ssh, oob, status, wait-ssh, info.
# Sourced by lab/labctl (which sets SELF, LAB_SRC, CACHE_DIR, RUN_ROOT and the constants).

# ---------------------------------------------------------------------------
# runtime commands

cmd_exec() {
  local h=${1:-} pid
  [[ -n $h ]] || die "usage: labctl exec <host> -- <cmd...>"
  shift
  [[ ${1:-} == -- ]] && shift
  (($# > 0)) || die "usage: labctl exec <host> -- <cmd...>"
  resolve_lab
  pid=$(host_pid_alive "$h") || die "host $h of lab $LAB is not running"
  # Nothing started in a host keeps the caller's descriptors: a daemon started through exec (the
  # lab's service stand-ins) would otherwise hold e.g. the caller's `flock` lock for its lifetime.
  close_fds
  exec nsenter -t "$pid" -m -u -i -n -p -r -w -- /usr/bin/env -i PATH="$HOST_PATH" HOME=/root \
    LANG=C.UTF-8 TERM="${TERM:-dumb}" USER=root LOGNAME=root SHELL=/bin/bash "$@"
}

cmd_sw() {
  [[ ${1:-} == -- ]] && shift
  (($# > 0)) || die "usage: labctl sw -- <cmd...>"
  resolve_lab
  exec nsenter --net="/run/netns/$(sw_ns "$LAB")" -- "$@"
}

cmd_ssh() {
  local h=${1:-}
  [[ -n $h ]] || die "usage: labctl ssh <host> [args...]"
  shift
  resolve_lab
  host_field "$h" oobAddress >/dev/null
  exec ssh -F "$STATE/ssh_config" "$h" "$@"
}

cmd_oob() {
  local h=${1:-} what=${2:-} port
  [[ -n $h && ($what == up || $what == down) ]] || die "usage: labctl oob <host> down|up"
  need_root
  resolve_lab
  port=$(host_field "$h" oobPort)
  ip link set "$port" "$what"
  log "oob link of $h is $what"
}

sshd_listening() {  # host
  nsenter --net="/run/netns/$(ns_name "$LAB" "$1")" -- ss -Hltn 'sport = :22' 2>/dev/null | grep -q .
}

cmd_status() {
  resolve_lab
  local h pid alive sshd oob bad=0 port
  printf 'lab %s  state %s\n' "$LAB" "$STATE"
  printf '%-12s %-8s %-6s %-5s %-5s %s\n' HOST PID ALIVE SSHD OOB OOB-ADDRESS
  for h in $(jq -r '.hosts[].name' "$LABJSON"); do
    pid=$(host_field "$h" pid)
    if host_pid_alive "$h" >/dev/null; then alive=yes; else alive=no; bad=1; fi
    if sshd_listening "$h"; then sshd=yes; else sshd=no; bad=1; fi
    port=$(host_field "$h" oobPort)
    if ip -j link show "$port" 2>/dev/null | jq -e '.[0].flags | index("UP")' >/dev/null; then oob=up; else oob=down; bad=1; fi
    printf '%-12s %-8s %-6s %-5s %-5s %s\n' "$h" "$pid" "$alive" "$sshd" "$oob" "$(host_field "$h" oobAddress)"
  done
  return $bad
}

cmd_wait_ssh() {
  local timeout=60 h deadline addr
  local -a hosts=() pending=() still
  while (($#)); do
    case $1 in
      --timeout) timeout=${2:?}; shift 2;;
      --timeout=*) timeout=${1#*=}; shift;;
      -*) die "usage: labctl wait-ssh [--timeout S] [host...]";;
      *) hosts+=("$1"); shift;;
    esac
  done
  resolve_lab
  ((${#hosts[@]})) || mapfile -t hosts < <(jq -r '.hosts[].name' "$LABJSON")
  pending=("${hosts[@]}")
  deadline=$((SECONDS + timeout))
  while :; do
    still=()
    for h in "${pending[@]}"; do
      addr=$(host_field "$h" oobAddress)
      if ! ssh -F "$STATE/ssh_config" -o ConnectTimeout=2 "root@$addr" true </dev/null 2>/dev/null; then
        still+=("$h")
      fi
    done
    pending=("${still[@]}")
    ((${#pending[@]} == 0)) && { log "sshd ready on: ${hosts[*]}"; return 0; }
    ((SECONDS >= deadline)) && die "sshd not reachable after ${timeout}s on: ${pending[*]}"
    sleep 0.5
  done
}

cmd_info() { resolve_lab; jq . "$LABJSON"; }
