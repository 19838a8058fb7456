#!/usr/bin/env bash
# `make bench`: brings up the bench lab (a router and eight Debian hosts, bench/inventory.yaml) next
# to any other lab, runs bench/run.ts (P1–P5, see docs/benchmarks.md) and removes the bench lab.
# Needs root like `make lab`. HOMELAB_BENCH_RUNS (default 3) sets the runs per figure;
# HOMELAB_BENCH_KEEP_LAB=1 keeps the bench lab afterwards.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
cd "$root"
[ "$(id -u)" -eq 0 ] || { echo "make bench needs root (the bench lab is made of namespaces)" >&2; exit 1; }

"$here/setup.sh"
# The reference tool of P3.
if ! command -v ansible-playbook >/dev/null; then
  echo "bench: installing Debian's ansible-core"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ansible-core >/dev/null
fi

export HOMELAB_LAB=bench HOMELAB_LAB_INVENTORY=bench/inventory.yaml HOMELAB_LAB_OOB=172.31.0
"$here/lab.sh" hosts
# shellcheck source=scripts/env.sh
. "$here/env.sh"
status=0
npx --no-install ts-node --transpile-only bench/run.ts || status=$?
if [ "${HOMELAB_BENCH_KEEP_LAB:-0}" != 1 ]; then "$here/lab.sh" down >/dev/null || true; fi
exit "$status"
