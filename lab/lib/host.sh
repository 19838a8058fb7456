# shellcheck shell=bash
# lab/lib/host.sh - one lab host: its root filesystem (overlay upper dir), its init, its boot.
# Sourced by lab/labctl (which sets SELF, LAB_SRC, CACHE_DIR, RUN_ROOT and the constants).

# mkdir -p inside an overlay upper dir, copying mode/owner of existing lower dirs
upper_mkdir() {  # lower upper relpath
  local lower=$1 upper=$2 rel=${3#/} cur="" comp
  local IFS=/
  for comp in $rel; do
    cur=$cur/$comp
    [[ -d $upper$cur ]] && continue
    if [[ -d $lower$cur ]]; then
      mkdir "$upper$cur"
      chmod "$(stat -c %a "$lower$cur")" "$upper$cur"
      chown "$(stat -c %u:%g "$lower$cur")" "$upper$cur"
    else
      mkdir -m 755 "$upper$cur"
    fi
  done
}

write_hl_init() {  # path
  cat >"$1" <<'EOF'
#!/bin/bash
# homelab-lab host init: runs under tini (PID 1) inside a lab host. Not a real init
# system: it starts the services listed in /etc/homelab-lab/boot-services with
# Debian's init scripts (`service NAME start`) and then just waits.
set -u
echo "hl-init: $(date -u +%FT%TZ) booting $(hostname)"
mkdir -p /run/homelab-lab /run/sshd /run/lock
chmod 1777 /run/lock
while read -r svc; do
  case $svc in '' | '#'*) continue ;; esac
  if service "$svc" start </dev/null; then echo "hl-init: started $svc"; else echo "hl-init: FAILED to start $svc"; fi
done </etc/homelab-lab/boot-services
: >/run/homelab-lab/ready
echo "hl-init: ready"
trap 'exit 0' TERM INT
while :; do
  sleep 3600 &
  wait $!
done
EOF
  chmod 755 "$1"
}

prepare_upper() {  # host  (uses TOPO, LAB, STATE, IMG_ROOTFS)
  local h=$1 hd=$STATE/hosts/$1 up lo=$IMG_ROOTFS shim
  up=$hd/upper
  mkdir -p "$up" "$hd/work" "$hd/root"
  chmod 755 "$hd/root"
  local d
  for d in etc/ssh etc/homelab-lab root/.ssh usr/local/sbin usr/local/lib/homelab-lab var/log; do
    upper_mkdir "$lo" "$up" "$d"
  done
  chmod 700 "$up/root/.ssh"
  echo "$h" >"$up/etc/hostname"
  cat >"$up/etc/hosts" <<EOF
127.0.0.1	localhost
127.0.1.1	$h
::1	localhost ip6-localhost ip6-loopback
ff02::1	ip6-allnodes
ff02::2	ip6-allrouters
EOF
  sha256sum <<<"$LAB/$h/$RANDOM$RANDOM$(date +%s%N)" | cut -c1-32 >"$up/etc/machine-id"
  ssh-keygen -q -t ed25519 -N '' -C "root@$h" -f "$up/etc/ssh/ssh_host_ed25519_key" </dev/null
  chmod 600 "$up/etc/ssh/ssh_host_ed25519_key"
  install -m 600 "$STATE/deploy_ed25519.pub" "$up/root/.ssh/authorized_keys"
  echo ssh >"$up/etc/homelab-lab/boot-services"
  # A hypervisor runs the real libvirt: virtlogd first (QEMU's console logs), then libvirtd.
  if [[ $(jq -r --arg h "$h" '.hosts[] | select(.name == $h) | .role' <<<"$TOPO") == hypervisor ]]; then
    printf 'virtlogd\nlibvirtd\n' >>"$up/etc/homelab-lab/boot-services"
  fi
  printf 'lab=%s\nhost=%s\n' "$LAB" "$h" >"$up/etc/homelab-lab/host"
  write_hl_init "$up/usr/local/lib/homelab-lab/hl-init"
  # compat init scripts for services whose Debian package ships only a systemd unit
  for shim in "$LAB_SRC"/initd/*; do
    [[ -e $lo/etc/init.d/${shim##*/} ]] && continue
    upper_mkdir "$lo" "$up" etc/init.d
    install -m 755 "$shim" "$up/etc/init.d/${shim##*/}"
  done
  # VLAN stand-ins (dotted link names): protect them from ifupdown's VLAN handling
  jq -r --arg h "$h" '.hosts[] | select(.name == $h) | .links[] | select(.ifname | contains(".")) | .ifname' \
    <<<"$TOPO" >"$up/etc/homelab-lab/vlan-standins"
  if [[ -s $up/etc/homelab-lab/vlan-standins ]]; then
    install -m 755 "$LAB_SRC/shims/ip" "$up/usr/local/sbin/ip"
  else
    rm -f "$up/etc/homelab-lab/vlan-standins"
  fi
  for shim in $(jq -r --arg h "$h" '.hosts[] | select(.name == $h) | .shims[]' <<<"$TOPO"); do
    [[ -f $LAB_SRC/shims/$shim ]] || die "shim $shim not found in $LAB_SRC/shims"
    install -m 755 "$LAB_SRC/shims/$shim" "$up/usr/local/sbin/$shim"
  done
}

# ---------------------------------------------------------------------------
# __boot: runs as PID 1 of the host's new pid namespace, in its new mount/uts/ipc
# namespaces and inside its network namespace. Builds the root fs and execs tini.

boot_host() {
  local lab=$1 h=$2 lower=$3 hd=$4 root d
  root=$hd/root
  echo "boot: lab=$lab host=$h pid=$$ $(date -u +%FT%TZ)"
  mount --make-rprivate /
  mount -t overlay "hl-$h" -o "lowerdir=$lower,upperdir=$hd/upper,workdir=$hd/work" "$root"
  mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
  mount -t sysfs -o nosuid,nodev,noexec sysfs "$root/sys"
  mount -t tmpfs -o nosuid,mode=755,size=16m dev "$root/dev"
  for d in null zero full random urandom tty; do
    : >"$root/dev/$d"
    mount --bind "/dev/$d" "$root/dev/$d"
  done
  [[ -c /dev/net/tun ]] && { mkdir -p "$root/dev/net"; : >"$root/dev/net/tun"; mount --bind /dev/net/tun "$root/dev/net/tun"; }
  mkdir -p "$root/dev/pts" "$root/dev/shm" "$root/dev/mqueue"
  mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$root/dev/pts"
  ln -s pts/ptmx "$root/dev/ptmx"
  mount -t tmpfs -o nosuid,nodev,mode=1777 shm "$root/dev/shm"
  mount -t mqueue -o nosuid,nodev,noexec mqueue "$root/dev/mqueue" 2>/dev/null || true
  ln -s /proc/self/fd "$root/dev/fd"
  ln -s /proc/self/fd/0 "$root/dev/stdin"
  ln -s /proc/self/fd/1 "$root/dev/stdout"
  ln -s /proc/self/fd/2 "$root/dev/stderr"
  hostname "$h"
  # pivot_root with the image's /run as put_old, then a fresh tmpfs on /run
  cd "$root" || exit 1
  pivot_root . run
  cd /
  umount -l /run
  mount -t tmpfs -o nosuid,nodev,mode=755,size=64m run /run
  mkdir -m 1777 /run/lock
  close_fds
  exec /usr/bin/env -i PATH="$HOST_PATH" HOME=/root LANG=C.UTF-8 TERM=linux container=homelab-lab \
    /usr/bin/tini -- /usr/local/lib/homelab-lab/hl-init
}
