# shellcheck shell=bash
# lab/lib/image.sh - the shared Debian rootfs of the lab hosts: recipe, build (debootstrap), cache, restore.
# Sourced by lab/labctl (which sets SELF, LAB_SRC, CACHE_DIR, RUN_ROOT and the constants).

# ---------------------------------------------------------------------------
# image

image_packages() {
  local -a p=("${BASE_PACKAGES[@]}")
  [[ ${HOMELAB_LAB_NIX:-1} == 0 ]] || p+=(nix-bin)
  # shellcheck disable=SC2206
  [[ -n ${HOMELAB_LAB_EXTRA_PACKAGES:-} ]] && p+=(${HOMELAB_LAB_EXTRA_PACKAGES})
  printf '%s\n' "${p[@]}" | sort -u
}

image_arch() { dpkg --print-architecture 2>/dev/null || echo amd64; }

image_hash() {
  { echo "recipe=$RECIPE_VERSION suite=$SUITE arch=$(image_arch) variant=minbase"; image_packages; } | sha16 16
}

img_lock() {
  mkdir -p "$CACHE_DIR"
  exec {IMG_LOCK_FD}<"$CACHE_DIR"
  flock -w 1800 "$IMG_LOCK_FD" || die "timeout waiting for the image lock on $CACHE_DIR"
}
img_unlock() { exec {IMG_LOCK_FD}<&-; }

image_in_use() {  # $1 rootfs path -> 0 if a lab (with live processes) uses it
  local j
  for j in "$RUN_ROOT"/*/lab.json; do
    [[ $(jq -r '.image.rootfs // ""' "$j" 2>/dev/null) == "$1" ]] || continue
    local lab
    lab=$(jq -r .name "$j")
    [[ -n $(lab_netns_list "$lab") ]] && return 0
  done
  return 1
}

image_tarball() {  # existing tarball for hash $1 (prints path) or fails
  local t
  for t in "$CACHE_DIR/rootfs-$1.tar.zst" "$CACHE_DIR/rootfs-$1.tar.gz"; do
    [[ -s $t ]] && { echo "$t"; return 0; }
  done
  return 1
}

compress_ext() { if command -v zstd >/dev/null 2>&1; then echo zst; else echo gz; fi; }
compress() { if [[ $1 == zst ]]; then zstd -q -T0 -6; else gzip -6; fi; }

build_image() {  # $1 hash
  local hash=$1 mirror work logf pkgs ext tmp t0
  need_cmds debootstrap:debootstrap gpgv:gpgv zstd:zstd
  [[ -r /usr/share/keyrings/debian-archive-keyring.gpg ]] || apt_install debian-archive-keyring
  mirror=$(detect_mirror)
  work=$CACHE_DIR/build-$hash
  logf=$CACHE_DIR/build-$hash.log
  pkgs=$(image_packages | paste -sd, -)
  # an earlier build that lost its labctl (killed) may still run: kill its namespace
  local p c
  for p in /proc/[0-9]*; do
    c=$(tr '\0' '\n' <"$p/cmdline" 2>/dev/null) || continue
    [[ $c == *$'\n__build\n'"$work"$'\n'* ]] && kill -9 "${p#/proc/}" 2>/dev/null
  done
  kill_rooted_below "$work"
  rm_tree "$work"
  mkdir -p "$work"
  log "building image $hash with debootstrap ($SUITE, mirror $mirror); log: $logf"
  t0=$(now_ms)
  # Private mount + pid namespaces: whatever gets mounted in the target (proc, sys,
  # dev/pts) and whatever daemon a maintainer script might start vanish with the
  # namespace, even if the build is killed.
  if ! (
    close_fds
    # pdeathsig: if labctl dies, the build dies with it (and --kill-child takes the ns down)
    exec setpriv --pdeathsig KILL -- unshare --mount --pid --fork --kill-child --propagation private -- \
      "$SELF" __build "$work" "$mirror" "$pkgs"
  ) </dev/null >"$logf" 2>&1; then
    tail -n 25 "$logf" >&2
    [[ -f $work/debootstrap/debootstrap.log ]] && cp "$work/debootstrap/debootstrap.log" "$logf.debootstrap"
    kill_rooted_below "$work"
    rm_tree "$work"
    die "image build failed (log: $logf)"
  fi
  kill_rooted_below "$work"
  umount_below "$work"
  log "debootstrap + apt-get done in $(( ($(now_ms) - t0) / 1000 ))s"
  # recipe: strip what must be per host or is useless in the lab
  rm -f "$work"/etc/ssh/ssh_host_* "$work/etc/machine-id" "$work/var/lib/dbus/machine-id"
  chroot "$work" apt-get clean >/dev/null 2>&1 || true
  rm -rf "$work"/var/lib/apt/lists/* "$work"/var/cache/apt/*.bin "$work"/var/cache/debconf/*-old
  rm -f "$work"/var/log/*.log "$work"/var/log/apt/* 2>/dev/null || true
  # libvirt inside a lab host (namespaces, no systemd, no cgroup delegation, no AppArmor): QEMU runs
  # unconfined without cgroups or a private mount namespace; no default NAT network.
  if [[ -f $work/etc/libvirt/qemu.conf ]]; then
    printf '\n# homelab lab host\nsecurity_driver = "none"\ncgroup_controllers = [ ]\nnamespaces = [ ]\n' >>"$work/etc/libvirt/qemu.conf"
    rm -f "$work/etc/libvirt/qemu/networks/autostart/default.xml"
  fi
  printf '# lab: no resolver configured (the product under test configures DNS)\n' >"$work/etc/resolv.conf"
  echo localhost >"$work/etc/hostname"
  {
    echo "hash=$hash"; echo "recipe=$RECIPE_VERSION"; echo "suite=$SUITE"; echo "mirror=$mirror"
    echo "built=$(date -u +%FT%TZ)"; echo "packages=$pkgs"
  } >"$work/etc/homelab-lab-image"
  ext=$(compress_ext)
  tmp=$CACHE_DIR/rootfs-$hash.tar.$ext.tmp
  t0=$(now_ms)
  tar --numeric-owner --xattrs --xattrs-include='*' --one-file-system -C "$work" -cf - . |
    compress "$ext" >"$tmp"
  mv -f "$tmp" "$CACHE_DIR/rootfs-$hash.tar.$ext"
  log "tarball $(du -h "$CACHE_DIR/rootfs-$hash.tar.$ext" | cut -f1) written in $(( ($(now_ms) - t0) / 1000 ))s"
  rm_tree "$CACHE_DIR/rootfs-$hash"
  mv "$work" "$CACHE_DIR/rootfs-$hash"
  touch "$CACHE_DIR/rootfs-$hash.ok"
}

extract_image() {  # $1 hash $2 tarball
  local hash=$1 tb=$2 tmp=$CACHE_DIR/rootfs-$1.tmp dec=cat
  case $tb in *.zst) need_cmds zstd:zstd; dec="zstd -dc";; *.gz) dec="gzip -dc";; esac
  rm_tree "$tmp"
  mkdir -p "$tmp"
  # shellcheck disable=SC2086
  $dec "$tb" | tar --numeric-owner --xattrs --xattrs-include='*' -xpf - -C "$tmp"
  rm_tree "$CACHE_DIR/rootfs-$hash"
  mv "$tmp" "$CACHE_DIR/rootfs-$hash"
  touch "$CACHE_DIR/rootfs-$hash.ok"
}

# ensure_image [normal|rebuild|reextract] -> sets IMG_HASH IMG_ROOTFS IMAGE_ACTION
ensure_image() {
  local mode=${1:-normal} tb old
  need_root
  need_runtime
  IMG_HASH=$(image_hash)
  IMG_ROOTFS=$CACHE_DIR/rootfs-$IMG_HASH
  img_lock
  if [[ $mode != normal ]] && image_in_use "$IMG_ROOTFS"; then
    img_unlock
    die "image $IMG_HASH is in use by a running lab (labctl down first)"
  fi
  case $mode in
    rebuild) rm -f "$CACHE_DIR/rootfs-$IMG_HASH".tar.* "$IMG_ROOTFS.ok"; rm_tree "$IMG_ROOTFS";;
    reextract) rm -f "$IMG_ROOTFS.ok"; rm_tree "$IMG_ROOTFS";;
  esac
  if ! tb=$(image_tarball "$IMG_HASH"); then
    build_image "$IMG_HASH"
    IMAGE_ACTION=built
  elif [[ ! -e $IMG_ROOTFS.ok || ! -d $IMG_ROOTFS ]]; then
    log "restoring image $IMG_HASH from $tb"
    extract_image "$IMG_HASH" "$tb"
    IMAGE_ACTION=restored
  else
    IMAGE_ACTION=cached
  fi
  # drop extracted trees of other image versions that no running lab uses (tarballs stay)
  for old in "$CACHE_DIR"/rootfs-*.ok; do
    old=${old%.ok}
    [[ $old == "$IMG_ROOTFS" ]] && continue
    image_in_use "$old" || { rm -f "$old.ok"; rm_tree "$old"; }
  done
  img_unlock
}

cmd_image() {
  local mode=normal t0
  case ${1:-} in
    "") ;;
    --rebuild) mode=rebuild;;
    --reextract) mode=reextract;;
    *) die "usage: labctl image [--rebuild|--reextract]";;
  esac
  t0=$(now_ms)
  ensure_image "$mode"
  local tb
  tb=$(image_tarball "$IMG_HASH")
  printf 'image %s: %s in %.1fs\n' "$IMG_HASH" "$IMAGE_ACTION" "$(( $(now_ms) - t0 ))e-3"
  printf '  rootfs  %s (%s)\n' "$IMG_ROOTFS" "$(du -sh --one-file-system "$IMG_ROOTFS" | cut -f1)"
  printf '  tarball %s (%s)\n' "$tb" "$(du -h "$tb" | cut -f1)"
  printf '  packages: %s\n' "$(image_packages | paste -sd' ' -)"
}

# __build: runs as PID 1 of a private pid + mount namespace (see build_image)
build_stage() {
  local work=$1 mirror=$2 pkgs=$3 t0
  local -a aptopts=(-y -q --no-install-recommends -o Dpkg::Use-Pty=0 -o Acquire::Retries=3)
  mount --make-rprivate /
  t0=$(now_ms)
  echo "== debootstrap --variant=minbase $SUITE $work $mirror"
  debootstrap --variant=minbase --components=main "$SUITE" "$work" "$mirror"
  echo "== debootstrap: $(( ($(now_ms) - t0) / 1000 ))s"
  mountpoint -q "$work/proc" || mount -t proc proc "$work/proc"
  mountpoint -q "$work/dev/pts" || { mkdir -p "$work/dev/pts"; mount -t devpts -o newinstance,ptmxmode=0666 devpts "$work/dev/pts"; }
  # no docs, man pages or translations (also for packages installed later in hosts)
  cat >"$work/etc/dpkg/dpkg.cfg.d/01-homelab-lab-nodoc" <<'EOF'
# homelab-lab image: keep the shared rootfs small
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
  find "$work/usr/share/doc" -type f ! -name copyright -delete
  find "$work/usr/share/doc" -mindepth 1 -type d -empty -delete
  find "$work/usr/share/man" "$work/usr/share/info" "$work/usr/share/lintian" -mindepth 1 -delete 2>/dev/null || true
  find "$work/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
  printf '#!/bin/sh\n# homelab-lab image build: never start services\nexit 101\n' >"$work/usr/sbin/policy-rc.d"
  chmod 755 "$work/usr/sbin/policy-rc.d"
  t0=$(now_ms)
  echo "== apt-get install ${pkgs//,/ }"
  chroot "$work" /usr/bin/env -i PATH="$HOST_PATH" DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 apt-get "${aptopts[@]}" update
  # shellcheck disable=SC2046
  chroot "$work" /usr/bin/env -i PATH="$HOST_PATH" DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 \
    apt-get "${aptopts[@]}" install $(tr , ' ' <<<"$pkgs")
  echo "== apt-get: $(( ($(now_ms) - t0) / 1000 ))s"
  rm -f "$work/usr/sbin/policy-rc.d"
  umount "$work/dev/pts" 2>/dev/null || true
  umount "$work/proc"
}
