/**
 * Undoing an adoption: what a machine had before homelab first changed it, kept on the machine, and
 * the one command that puts it back.
 *
 * The first apply of each file (renderers/unit-script.ts, step 3) keeps the file as it was — or the
 * fact that there was none — under `$STATE/adopted/files/`, root-only (the directory is 0700, the
 * copy keeps the original's mode and owner). A unit that replaced files the machine already had also
 * keeps how to make the machine use them again (`units/<unit>.activate`: the unit's `reload`, or its
 * activation).
 * Later applies never overwrite these: they are the machine before adoption.
 *
 *   sudo sh /var/lib/homelab/adopted/restore.sh
 *
 * puts every kept file back, removes the files homelab added, runs the kept activations, and moves
 * the records aside (`adopted.restored-<time>`), so a later adoption keeps the restored files anew.
 */
import { createHash } from "node:crypto";
import { shq } from "./text";

/** Where the pre-adoption records live on the machine (under the units' state directory). */
export const ADOPTED = '"$STATE/adopted"';
export const RESTORE_COMMAND = "sudo sh /var/lib/homelab/adopted/restore.sh";

/** The restore script (static: it reads what the applies kept). */
export function renderRestoreScript(): string {
  return [
    "#!/bin/sh",
    "# homelab: put back what this machine had before homelab first changed it (renderers/adoption.ts).",
    "set -u",
    'A=$(cd "$(dirname "$0")" && pwd)',
    '[ "$(id -u)" = 0 ] || { echo "restore.sh: run it as root: sudo sh $0" >&2; exit 1; }',
    "rc=0",
    'for p in "$A"/files/*.path; do',
    '  [ -e "$p" ] || continue',
    '  k=${p%.path}; t=$(cat "$p")',
    '  if [ -e "$k.absent" ]; then',
    '    if [ -e "$t" ]; then rm -f "$t" && echo "removed $t (homelab added it)" || rc=1; fi',
    '  elif cp -p "$k" "$t"; then echo "restored $t"; else echo "cannot restore $t" >&2; rc=1; fi',
    "done",
    'for u in "$A"/units/*.activate; do',
    '  [ -e "$u" ] || continue',
    '  n=$(basename "$u" .activate)',
    '  if sh "$u"; then echo "reloaded $n"; else echo "reloading $n failed (see above)" >&2; rc=1; fi',
    "done",
    'if [ $rc -ne 0 ]; then echo "restore.sh: not everything was restored; the records stay in $A" >&2; exit 1; fi',
    'to="$A.restored-$(date -u +%Y%m%dT%H%M%SZ)"',
    'mv "$A" "$to" && echo "restored the machine as it was before homelab; the records moved to $to"',
    "",
  ].join("\n");
}

export interface AdoptedFile {
  /** Index of the file's backup in the apply's backup directory ($BK/<i>, or $BK/<i>.absent). */
  readonly index: number;
  readonly target: string;
}

/**
 * Step 3b of apply.sh: keep each file's pre-adoption state once, then the unit's activation (when
 * it replaced something the machine had), then the restore script. Runs after the backups exist.
 */
export function recordAdoption(
  unit: string,
  files: readonly AdoptedFile[],
  reload: readonly string[],
): string[] {
  const out = [
    `# 3b. keep what the machine had before homelab first changed it (renderers/adoption.ts)`,
    `out=$( (umask 077; mkdir -p ${ADOPTED}/files ${ADOPTED}/units) 2>&1) || abort "cannot keep the pre-adoption files: $out"`,
  ];
  for (const f of files) {
    const k = `${ADOPTED}/files/${createHash("sha256").update(f.target).digest("hex").slice(0, 32)}`;
    out.push(
      `if [ ! -e ${k}.path ]; then`,
      `  if [ -e "$BK/${f.index}" ]; then out=$(cp -p "$BK/${f.index}" ${k} 2>&1) || abort "cannot keep the pre-adoption ${f.target}: $out"; else : > ${k}.absent; fi`,
      `  printf '%s\\n' ${shq(f.target)} > ${k}.path`,
      "fi",
    );
  }
  out.push(
    `if [ "$(cat "$BK/had_previous" 2>/dev/null)" = yes ] && [ ! -e ${ADOPTED}/units/${unit}.activate ]; then`,
    `  printf '%s\\n' ${reload.map(shq).join(" ")} > ${ADOPTED}/units/${unit}.activate`,
    "fi",
    `cat > ${ADOPTED}/restore.sh <<'HOMELAB_RESTORE'`,
    renderRestoreScript().trimEnd(),
    "HOMELAB_RESTORE",
  );
  return out;
}
