#!/usr/bin/env bash
# lab/guest-image.sh - the VM base image of the simulated lab, built offline from Debian packages.
#
#   lab/guest-image.sh      builds (once) and prints the path of the cached qcow2
#
# It stands for what a homelabber downloads once onto each hypervisor (a Debian 12 "genericcloud"
# image): a bootable disk (one ext4 filesystem with extlinux in its boot sector) with Debian bookworm,
# its kernel, openssh-server (no host keys: cloud-init writes the one the deployer generated) and
# cloud-init reading only the NoCloud seed (never a network metadata service). Lab-only extra: socat
# listeners on the ports in STANDIN_PORTS, standing in for the DMZ proxy the lab's VM plays (the
# probes and the tests connect to them; scripts/lab.ts checks the inventory against this list).
# Cached in ${HOMELAB_CACHE:-~/.cache/homelab-iac}/lab/guest-<hash>.qcow2, <hash> = sha256 of this
# file: a changed recipe builds a new image, an unchanged one is reused (warm: no work at all).
set -Eeuo pipefail

readonly SUITE=bookworm
readonly SIZE_MIB=3072
readonly STANDIN_PORTS="80 443"
# Fixed filesystem UUID: the boot config and fstab name it.
readonly ROOT_UUID=8c1f4a0e-6a3b-4f0e-9d1e-6c61b5e0a001
readonly PACKAGES=(linux-image-amd64 systemd-sysv udev openssh-server cloud-init ifupdown iproute2
  netbase procps iputils-ping netcat-openbsd socat python3 sudo ca-certificates libxml2-utils)

SELF=$(readlink -f -- "${BASH_SOURCE[0]}")
# shellcheck source=lab/lib/mirror.sh
. "$(dirname -- "$SELF")/lib/mirror.sh"
CACHE_DIR=${HOMELAB_CACHE:-${HOME:-/root}/.cache/homelab-iac}/lab
HASH=$(sha256sum "$SELF" | cut -c1-16)
OUT=$CACHE_DIR/guest-$HASH.qcow2

log() { printf 'guest-image: %s\n' "$*" >&2; }
die() {
  printf 'guest-image: error: %s\n' "$*" >&2
  exit 1
}

need() {
  local missing=() c
  for c in mmdebstrap:mmdebstrap qemu-img:qemu-utils extlinux:extlinux; do
    command -v "${c%%:*}" >/dev/null 2>&1 || missing+=("${c#*:}")
  done
  [[ ${#missing[@]} -eq 0 ]] && return
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# Debian with the packages; no host keys, no machine id, no timers that wake a guest for nothing.
bootstrap() {
  local r=$1
  # shellcheck disable=SC2016 # the hooks' $1 is mmdebstrap's, expanded by its shell
  mmdebstrap --variant=minbase --include="$(
    IFS=,
    echo "${PACKAGES[*]}"
  )" \
    --customize-hook='rm -f "$1"/etc/ssh/ssh_host_*' \
    --customize-hook='truncate -s 0 "$1"/etc/machine-id' \
    --customize-hook='rm -f "$1"/var/lib/dbus/machine-id' \
    --customize-hook='chroot "$1" systemctl disable apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer >/dev/null 2>&1 || true' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
    "$SUITE" "$r" "$(detect_mirror)" >"$CACHE_DIR/guest-$HASH.log" 2>&1 ||
    {
      tail -n 20 "$CACHE_DIR/guest-$HASH.log" >&2
      die "mmdebstrap failed"
    }
}

# Boot, fstab, cloud-init's data source, a small initramfs, the stand-in listeners.
configure() {
  local r=$1 kernel initrd p
  cat >"$r/etc/cloud/cloud.cfg.d/90-homelab-lab.cfg" <<'EOF'
# homelab lab guest image: the seed ISO is the only data source.
datasource_list: [NoCloud, None]
EOF
  printf 'UUID=%s / ext4 errors=remount-ro 0 1\n' "$ROOT_UUID" >"$r/etc/fstab"
  echo localhost >"$r/etc/hostname"
  printf 'auto lo\niface lo inet loopback\nsource /etc/network/interfaces.d/*\n' >"$r/etc/network/interfaces"
  # A small initramfs (virtio disk, ext4): under CPU emulation every MiB unpacked costs seconds.
  printf 'MODULES=list\nCOMPRESS=gzip\n' >"$r/etc/initramfs-tools/conf.d/homelab-lab.conf"
  printf 'virtio_pci\nvirtio_blk\next4\ncrc32c_generic\n' >"$r/etc/initramfs-tools/modules"
  chroot "$r" update-initramfs -u -k all >/dev/null 2>&1
  kernel=$(find "$r/boot" -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sort -V | tail -n 1)
  initrd=initrd.img-${kernel#vmlinuz-}
  [[ -f $r/boot/$initrd ]] || die "the kernel package left no $initrd"
  mkdir -p "$r/boot/extlinux"
  # No prompt: extlinux boots the default entry at once (without `prompt 0` it waits forever).
  cat >"$r/boot/extlinux/extlinux.conf" <<EOF
serial 0 115200
prompt 0
timeout 1
default debian
label debian
  kernel /boot/$kernel
  initrd /boot/$initrd
  append root=UUID=$ROOT_UUID ro console=tty0 console=ttyS0,115200n8 net.ifnames=0 quiet
EOF
  cat >"$r/etc/systemd/system/homelab-lab-standin@.service" <<'EOF'
[Unit]
Description=homelab lab stand-in listener on tcp/%i
After=network.target
[Service]
ExecStart=/bin/sh -c 'exec socat TCP-LISTEN:%i,fork,reuseaddr SYSTEM:"echo $(hostname)-%i"'
[Install]
WantedBy=multi-user.target
EOF
  for p in $STANDIN_PORTS; do
    ln -sf /etc/systemd/system/homelab-lab-standin@.service \
      "$r/etc/systemd/system/multi-user.target.wants/homelab-lab-standin@$p.service"
  done
}

# One ext4 filesystem over the whole disk (no partition table: this machine's loop devices do not
# scan partitions), populated from the tree; extlinux's boot sector is the disk's first sector.
make_disk() {
  local r=$1 raw=$2 mnt=$3
  rm -f "$raw"
  truncate -s "${SIZE_MIB}M" "$raw"
  # extlinux reads ext4 without the 64bit and metadata_csum features.
  mkfs.ext4 -q -O ^64bit,^metadata_csum -U "$ROOT_UUID" -L root -d "$r" "$raw"
  mkdir -p "$mnt"
  mount -o loop "$raw" "$mnt"
  extlinux --install "$mnt/boot/extlinux" 2>/dev/null || {
    umount "$mnt"
    die "extlinux --install failed"
  }
  umount "$mnt"
}

build() {
  local work=$CACHE_DIR/guest-$HASH.build t0
  t0=$(date +%s)
  rm -rf "$work"
  mkdir -p "$work/root"
  log "mmdebstrap $SUITE ($(detect_mirror)); log: $CACHE_DIR/guest-$HASH.log"
  bootstrap "$work/root"
  log "packages installed in $(($(date +%s) - t0)) s"
  configure "$work/root"
  make_disk "$work/root" "$work/disk.raw" "$work/mnt"
  qemu-img convert -q -O qcow2 "$work/disk.raw" "$OUT.tmp"
  mv -f "$OUT.tmp" "$OUT"
  rm -rf "$work"
  log "built $OUT ($(du -h "$OUT" | cut -f1)) in $(($(date +%s) - t0)) s"
}

main() {
  [[ $(id -u) -eq 0 ]] || die "needs root (chroot, loop mount)"
  mkdir -p "$CACHE_DIR"
  exec {lock}>"$CACHE_DIR/guest.lock"
  flock -w 3600 "$lock" || die "timeout waiting for $CACHE_DIR/guest.lock"
  if [[ -s $OUT ]]; then
    log "cached $OUT"
  else
    need
    build
  fi
  echo "$OUT"
}

# Sourced (lab/selftest.sh, development), it only defines the functions.
[[ ${BASH_SOURCE[0]} != "$0" ]] || main "$@"
