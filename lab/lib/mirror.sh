# shellcheck shell=bash
# The Debian mirror the lab's images are built from: HOMELAB_LAB_MIRROR, else the first enabled
# `deb` source for $SUITE in the machine's apt sources (one-line and deb822 formats), else
# deb.debian.org. Sourced by lab/labctl and lab/guest-image.sh (SUITE must be set).
detect_mirror() {
  if [[ -n ${HOMELAB_LAB_MIRROR:-} ]]; then echo "$HOMELAB_LAB_MIRROR"; return; fi
  local f uri
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -r $f ]] || continue
    uri=$(awk -v s="$SUITE" '
      $1 == "deb" { i = 2
        if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        if ($(i + 1) == s) { print $i; exit } }' "$f")
    [[ -n $uri ]] && { echo "$uri"; return; }
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -r $f ]] || continue
    uri=$(awk -v s="$SUITE" 'BEGIN { RS = ""; FS = "\n" }
      { t = ""; u = ""; su = ""; en = "yes"
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^Types:/) t = " " substr($i, 7) " "
          else if ($i ~ /^URIs:/) u = substr($i, 6)
          else if ($i ~ /^Suites:/) su = " " substr($i, 8) " "
          else if ($i ~ /^Enabled:/) en = substr($i, 9) }
        gsub(/[ \t]+/, " ", t); gsub(/[ \t]+/, " ", su); gsub(/^[ \t]+/, "", u); gsub(/[ \t]+/, " ", en)
        if (t ~ / deb / && su ~ (" " s " ") && en !~ /no/) { split(u, a, " "); print a[1]; exit } }' "$f")
    [[ -n $uri ]] && { echo "$uri"; return; }
  done
  echo http://deb.debian.org/debian
}
