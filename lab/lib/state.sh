# shellcheck shell=bash
# lab/lib/state.sh - names, state and locks of a lab; finding labs; down.
# Sourced by lab/labctl (which sets SELF, LAB_SRC, CACHE_DIR, RUN_ROOT and the constants).

# ---------------------------------------------------------------------------
# names and state

state_dir() { echo "$RUN_ROOT/$1"; }
ns_name() { echo "hl.$1.$2"; }           # host netns (lab and host names contain no dots)
sw_ns() { echo "hl.$1._sw"; }            # the lab's "switch": segment bridges live here
oob_port() { printf 'hlo%s\n' "$(printf '%s/%s' "$1" "$2" | sha16 8)"; }  # root end of a host's OOB veth
alias_prefix() { echo "homelab-lab:$1:"; }

run_lock() {
  mkdir -p "$RUN_ROOT"
  exec {RUN_LOCK_FD}<"$RUN_ROOT"
  flock -w 600 "$RUN_LOCK_FD" || die "timeout waiting for the lab lock on $RUN_ROOT"
}

lab_netns_list() {
  ip netns list 2>/dev/null | awk -v p="hl.$1." 'index($1, p) == 1 { print $1 }'
}

all_lab_names() {
  {
    local d
    for d in "$RUN_ROOT"/*/; do d=${d%/}; echo "${d##*/}"; done
    ip netns list 2>/dev/null | awk '$1 ~ /^hl\.[a-z][a-z0-9-]*\./ { split($1, a, "."); print a[2] }'
    ip -j link show 2>/dev/null | jq -r '.[] | (.ifalias // "") | select(startswith("homelab-lab:")) | split(":")[1]'
  } | sort -u | grep -E '^[a-z][a-z0-9-]{0,23}$' || true
}

root_links_of_lab() {
  ip -j link show 2>/dev/null |
    jq -r --arg p "$(alias_prefix "$1")" '.[] | select((.ifalias // "") | startswith($p)) | .ifname'
}

# true if the process exists and is not a zombie
pid_running() {
  local st
  st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  st=${st##*) }
  [[ ${st:0:1} != Z && ${st:0:1} != X ]]
}

# pids of processes whose cmdline is "... labctl __boot <lab> ..."
boot_pids() {
  local p c
  for p in /proc/[0-9]*; do
    c=$(tr '\0' '\n' <"$p/cmdline" 2>/dev/null) || continue
    [[ $c == *$'\n__boot\n'"$1"$'\n'* ]] && echo "${p#/proc/}"
  done
  return 0
}

# pick the lab for commands that take none: --lab/HOMELAB_LAB, else the only one running
resolve_lab() {
  if [[ -n $LAB_OPT ]]; then LAB=$LAB_OPT; else
    local -a labs=()
    local j
    for j in "$RUN_ROOT"/*/lab.json; do j=${j%/lab.json}; labs+=("${j##*/}"); done
    ((${#labs[@]} == 0)) && die "no lab is up (run: labctl up <topology.json>)"
    ((${#labs[@]} > 1)) && die "several labs are up (${labs[*]}): use --lab NAME"
    LAB=${labs[0]}
  fi
  STATE=$(state_dir "$LAB")
  LABJSON=$STATE/lab.json
  [[ -f $LABJSON ]] || die "lab $LAB is not up ($LABJSON missing)"
}

host_field() {  # host field -> value from lab.json
  jq -er --arg h "$1" --arg f "$2" '.hosts[] | select(.name == $h) | .[$f] // empty' "$LABJSON" ||
    die "unknown host '$1' in lab $LAB"
}

host_pid_alive() {  # $1 host -> prints pid, fails if the host's init is gone
  local pid ns nsino
  pid=$(host_field "$1" pid)
  ns=$(ns_name "$LAB" "$1")
  [[ -e /proc/$pid ]] || return 1
  nsino=$(stat -L -c %i "/run/netns/$ns" 2>/dev/null) || return 1
  [[ $(readlink "/proc/$pid/ns/net" 2>/dev/null) == "net:[$nsino]" ]] || return 1
  echo "$pid"
}

# ---------------------------------------------------------------------------
# down

teardown_lab() {  # $1 lab (caller holds the run lock)
  local lab=$1 st ns l p
  st=$(state_dir "$lab")
  local -a nss pids killed=()
  mapfile -t nss < <(lab_netns_list "$lab")
  for _ in $(seq 1 50); do
    pids=()
    for ns in "${nss[@]}"; do
      mapfile -t -O "${#pids[@]}" pids < <(ip netns pids "$ns" 2>/dev/null)
    done
    mapfile -t -O "${#pids[@]}" pids < <(boot_pids "$lab")
    ((${#pids[@]} == 0)) && break
    kill -9 "${pids[@]}" 2>/dev/null || true
    killed+=("${pids[@]}")
    sleep 0.1
  done
  ((${#pids[@]} == 0)) || log "warning: processes of lab $lab still alive: ${pids[*]}"
  # SIGKILLed tasks leave their namespaces before they are gone: wait until every
  # process we killed has exited (zombies waiting for the machine's init are fine)
  for _ in $(seq 1 50); do
    local alive=0
    for p in "${killed[@]}"; do pid_running "$p" && { alive=1; break; }; done
    ((alive)) || break
    sleep 0.1
  done
  # root-namespace links (OOB ports, OOB bridge); deleting a veth end removes its peer
  while read -r l; do
    if [[ -n $l ]]; then ip link del "$l" 2>/dev/null || true; fi
  done < <(root_links_of_lab "$lab")
  for ns in "${nss[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  umount_below "$st"
  rm_tree "$st"
  # namespace destruction is asynchronous: wait until the kernel has let go of our links
  for _ in $(seq 1 50); do
    [[ -z $(root_links_of_lab "$lab") && -z $(lab_netns_list "$lab") ]] && break
    sleep 0.1
  done
}

cmd_down() {
  need_root
  need_runtime
  local arg=${1:-} lab
  local -a labs=()
  if [[ -z $arg ]]; then
    if [[ -n $LAB_OPT ]]; then labs=("$LAB_OPT"); else mapfile -t labs < <(all_lab_names); fi
  elif [[ -f $arg ]]; then
    lab=$(jq -r '.name // empty' "$arg" 2>/dev/null) || die "cannot read lab name from $arg"
    [[ $lab =~ ^[a-z][a-z0-9-]{0,23}$ ]] || die "bad lab name in $arg"
    labs=("$lab")
  else
    [[ $arg =~ ^[a-z][a-z0-9-]{0,23}$ ]] || die "no such topology file and not a lab name: $arg"
    labs=("$arg")
  fi
  run_lock
  for lab in "${labs[@]}"; do
    [[ -n $lab ]] || continue
    teardown_lab "$lab"
    log "lab $lab is down"
  done
  return 0
}
