# shellcheck shell=bash
# lab/lib/common.sh - generic helpers: root, packages, fds, MACs, mounts, process cleanup, sysctls.
# Sourced by lab/labctl (which sets SELF, LAB_SRC, CACHE_DIR, RUN_ROOT and the constants).

# ---------------------------------------------------------------------------
# generic helpers

need_root() { [[ $EUID -eq 0 ]] || die "must run as root"; }

apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "cannot install $*: apt-get not found"
  log "installing Debian packages: $*"
  local -a opts=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=300)
  if ! DEBIAN_FRONTEND=noninteractive apt-get install "${opts[@]}" "$@" </dev/null >&2; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null >&2 || true
    DEBIAN_FRONTEND=noninteractive apt-get install "${opts[@]}" "$@" </dev/null >&2 ||
      die "apt-get install $* failed"
  fi
}

# need_cmds cmd:package ... - install the packages of missing commands
need_cmds() {
  local spec
  local -a missing=()
  for spec in "$@"; do
    command -v "${spec%%:*}" >/dev/null 2>&1 || missing+=("${spec#*:}")
  done
  ((${#missing[@]} == 0)) && return 0
  need_root
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  apt_install "${missing[@]}"
}

need_runtime() {
  need_cmds ip:iproute2 bridge:iproute2 jq:jq ssh:openssh-client ssh-keygen:openssh-client \
    unshare:util-linux nsenter:util-linux flock:util-linux setsid:util-linux setpriv:util-linux mount:mount \
    tar:tar sha256sum:coreutils
}

# close every inherited fd > 2 (CI waits on pipes held by long-lived children)
close_fds() {
  local fd
  for fd in /proc/"$BASHPID"/fd/*; do
    fd=${fd##*/}
    ((fd > 2)) && eval "exec ${fd}>&-" 2>/dev/null
  done
  return 0
}

sha16() { sha256sum | cut -c1-"${1:-16}"; }

# deterministic locally administered unicast MAC
det_mac() {
  local h
  h=$(printf '%s' "$1" | sha16 10)
  printf '02:%s:%s:%s:%s:%s\n' "${h:0:2}" "${h:2:2}" "${h:4:2}" "${h:6:2}" "${h:8:2}"
}

# all mount points at or below $1, deepest first
mounts_below() {
  local d=${1%/}
  awk '{print $2}' /proc/self/mounts | sed 's/\\040/ /g' |
    awk -v d="$d" '$0 == d || index($0, d "/") == 1' | sort -r
}

umount_below() {
  local m
  while read -r m; do
    if [[ -n $m ]]; then umount -l -- "$m" 2>/dev/null || true; fi
  done < <(mounts_below "$1")
}

# kill (SIGKILL) every process whose root directory is at or below $1
kill_rooted_below() {
  local d=${1%/} p r
  for p in /proc/[0-9]*; do
    r=$(readlink "$p/root" 2>/dev/null) || continue
    if [[ $r == "$d" || $r == "$d"/* ]]; then kill -9 "${p#/proc/}" 2>/dev/null || true; fi
  done
}

rm_tree() {
  [[ -e $1 ]] || return 0
  umount_below "$1"
  rm -rf --one-file-system -- "$1"
}

# write a sysctl-like /proc/sys path inside a network namespace (or root ns if ns is "")
ns_write() {
  local ns=$1 path=$2 val=$3
  if [[ -z $ns ]]; then
    [[ -e /proc/sys/$path ]] && echo "$val" >"/proc/sys/$path"
    return 0
  fi
  # shellcheck disable=SC2016  # expanded by the inner sh
  nsenter --net="/run/netns/$ns" -- sh -c 'if [ -e "/proc/sys/$1" ]; then echo "$2" > "/proc/sys/$1"; fi' _ "$path" "$val"
}
