/**
 * A provisioning unit: a few rendered files that belong together on one machine, plus the shell that
 * turns them on. One SSH session applies it (renderers/unit-bundle.ts): the files, this script
 * (apply.sh) and the observer travel on the remote command's stdin and are staged, checked and run.
 * apply.sh is all or nothing:
 *   1. the staged files must match the expected SHA-256 (no half copies);
 *   2. `validate` checks them while still staged (nft -c, dnsmasq --test, …);
 *   3. prepare: the previous files (and `snapshot`'s runtime state) are backed up, every new file is
 *      written next to its target (`<target>.homelab-new`) and checked — nothing is installed yet;
 *   4. commit: each new file is renamed over its target;
 *   5. `activate` turns them on (reload); `verify` checks the effect (sshd -T, …);
 *   6. guarded units arm the dead-man switch (the backup becomes the revert point).
 * Any failure — a read-only target, a full disk, validation, activation, verification, arming —
 * restores every file and (from step 5 on) the runtime state, removes every `.homelab-new`, the
 * backup and any directory the apply created, and fails with `homelab: <unit> on <host>: <cause>;
 * <what was restored>`. On success it leaves records for the unit's LiveState (`key<TAB>base64`,
 * printed by the bundle): the post-apply observation, or `@armed` with the dead-man switch's id.
 */
import { createHash } from "node:crypto";
import { recordAdoption } from "./adoption";
import { lines, shq } from "./text";

export interface UnitFile {
  /** File name inside the stage directory (a plain name). */
  readonly name: string;
  /** Absolute target path. */
  readonly target: string;
  readonly mode: "0644" | "0600" | "0755" | "0640";
  /** Owner of the target, `root` unless it belongs to the admin user. */
  readonly owner?: string;
  readonly content: string;
}

/**
 * A live fact about the machine, observed over SSH for drift detection and post-apply verification:
 * `script` prints the observation; `expect` is what it prints when the machine is as declared.
 */
export interface UnitFact {
  /** Label shown in diffs and messages (e.g. "sshd -T (effective)"). */
  readonly key: string;
  /** Shell run as root; its stdout (and stderr) is the observation. */
  readonly script: string;
  readonly expect: string;
}

export interface UnitSpec {
  readonly machine: string;
  /** Unit name: sshd, network, firewall, dns, nixos, vm-<name>… (a plain name). */
  readonly unit: string;
  readonly files: readonly UnitFile[];
  /** Shell lines run before anything is installed; staged files are at "$STAGE/<name>". */
  readonly validate?: readonly string[];
  /** Shell commands that turn the installed files on; each line one complete command. */
  readonly activate: readonly string[];
  /** Shell commands that check the result (each one complete); failing triggers a rollback. */
  readonly verify?: readonly string[];
  /** Live facts beyond the installed files (which are always observed). */
  readonly facts?: readonly UnitFact[];
  /**
   * Dead-man switch for changes that can cut the deployer off (sshd, firewall, NixOS switch): after
   * activating, the machine reverts by itself unless the deployer confirms over a NEW SSH connection.
   */
  readonly guard?: { readonly revertAfterSeconds: number };
  /**
   * Runtime state that restoring the files alone would not bring back (the loaded ruleset, the
   * NixOS generation): `save` writes it to "$BK/runtime" before installing, `restore` brings it
   * back on a failed apply or a revert (instead of re-activating the previous files).
   */
  readonly snapshot?: { readonly save: string; readonly restore: string };
  /** The unit that sets sshd's port (a port change is applied on the old port, see SshPort). */
  readonly setsSshPort?: boolean;
  /**
   * How the machine takes its pre-adoption files back (renderers/adoption.ts restore.sh), when the
   * activation would not do (it uses a file homelab added). Each line one complete command.
   */
  readonly reload?: readonly string[];
}

export const STAGE_ROOT = ".homelab/stage";

/** Stage directory of a unit, relative to the SSH user's home. */
export function stageDir(unit: string): string {
  return `${STAGE_ROOT}/${unit}`;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Where units keep backups and pending confirmations on the machine. */
export const STATE_DIR = '"${HOMELAB_STATE_DIR:-/var/lib/homelab}"';
/** Appended to by reverts of the dead-man switch (HOMELAB_DEADMAN_LOG overrides it in tests). */
export const DEADMAN_LOG = "/var/log/homelab-deadman.log";
export const LOG = `"\${HOMELAB_DEADMAN_LOG:-${DEADMAN_LOG}}"`;

/** Names of the staged scripts of a unit. */
export const APPLY_SCRIPT = "apply.sh";
export const OBSERVE_SCRIPT = "observe.sh";
/** What a successful apply.sh leaves for its LiveState (`key<TAB>base64` lines). */
export const RECORDS = "records";

/** Parent directories of the targets, each once, in order. */
const parents = (spec: UnitSpec) => [
  ...new Set(spec.files.map((f) => f.target.replace(/\/[^/]+$/, "") || "/")),
];

/** Restores the committed files from backup dir $1, removes the directories the apply created. */
function restoreFunction(spec: UnitSpec): string[] {
  return [
    "restore_files() {",
    "  ok=0",
    ...spec.files.map(
      (f, i) =>
        `  if [ "$COMMITTED" -gt ${i} ]; then if [ -e "$1/${i}.absent" ]; then rm -f ${shq(f.target)} || ok=1; else mv -f "$1/${i}" ${shq(f.target)} || ok=1; fi; fi`,
    ),
    `  if [ -f "$1/dirs" ]; then sort -r "$1/dirs" | while read -r d; do rmdir "$d" 2>/dev/null || :; done; fi`,
    "  return $ok",
    "}",
  ];
}

/** Brings back what ran before: the snapshot, or the previous files re-activated. */
function runtimeFunction(spec: UnitSpec): string[] {
  return [
    "restore_runtime() {",
    spec.snapshot
      ? `  ( ${spec.snapshot.restore} ) && echo "runtime state restored" || echo "RESTORING THE PREVIOUS RUNTIME STATE FAILED"`
      : '  if [ "$(cat "$1/had_previous" 2>/dev/null)" = yes ]; then (activate) >&2 && echo "reactivated" || echo "REACTIVATING THE PREVIOUS FILES FAILED"; else echo "none before"; fi',
    "}",
  ];
}

/**
 * Undoes this apply according to $PHASE (runs in a subshell: `m=$(undo)`); prints what it did.
 * Before commit nothing was installed; from commit on the files are restored; from activate on the
 * runtime state too. The backup is removed unless restoring failed (then it is the way back).
 */
function undoFunction(spec: UnitSpec): string[] {
  return [
    "undo() {",
    "  set +e",
    ...spec.files.map((f) => `  rm -f ${shq(`${f.target}.homelab-new`)}`),
    '  case "$PHASE" in',
    '    check | validate) echo "nothing was changed" ;;',
    '    prepare) restore_files "$BK"; rm -rf "$BK"; echo "nothing was changed" ;;',
    '    done) echo "the change stays applied" ;;',
    "    *)",
    '      if ! restore_files "$BK"; then echo "RESTORING THE PREVIOUS FILES FAILED; they are kept in $BK"; return; fi',
    '      if [ "$PHASE" = commit ]; then r=restored; else r=$(restore_runtime "$BK"); fi',
    '      rm -rf "$BK"',
    '      [ -z "$PENDING" ] || rm -rf "$PENDING"',
    '      case "$r" in',
    '        restored) echo "the previous files were restored" ;;',
    '        "runtime state restored") echo "the previous files and runtime state were restored" ;;',
    '        reactivated) echo "the previous files were restored and reactivated" ;;',
    '        "none before") echo "the new files were removed (there were none before)" ;;',
    '        *) echo "the previous files were restored, but $r" ;;',
    "      esac ;;",
    "  esac",
    "}",
  ];
}

/** Dead-man revert mode: `apply.sh STAGE --revert-after SECONDS PENDING_DIR`, started detached. */
function revertMode(spec: UnitSpec, who: string): string[] {
  return [
    "# Dead-man switch: revert to what ran before the apply, unless the deployer confirmed first.",
    `if [ "\${2:-}" = --revert-after ]; then`,
    '  sleep "$3"',
    '  PENDING="$4"',
    // Whoever creates "decided" first wins: the deployer's confirmation or this timer.
    '  mkdir "$PENDING/decided" 2>/dev/null || exit 0',
    `  COMMITTED=${spec.files.length}; BK="$PENDING/backup"`,
    '  restore_files "$PENDING/backup" || echo "homelab: ' +
      who +
      ': restoring the previous files failed; they are kept in $PENDING/backup" >&2',
    '  r=$(restore_runtime "$PENDING/backup")',
    `  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) homelab: ${who}: not confirmed within $3 s over a new SSH connection; reverted to the previous configuration ($r) [$(basename "$PENDING")]" >>${LOG}`,
    '  rm -rf "$PENDING"',
    "  exit 0",
    "fi",
  ];
}

/** Step 3 for one file: back it up, create its directory, write and check `<target>.homelab-new`. */
function prepareFile(f: UnitFile, i: number): string[] {
  const t = shq(f.target);
  const owner = f.owner ?? "root";
  const next = shq(`${f.target}.homelab-new`);
  return [
    `if [ -e ${t} ]; then out=$(cp -p ${t} "$BK/${i}" 2>&1) || abort "cannot back up ${f.target}: $out"; echo yes > "$BK/had_previous"; else : > "$BK/${i}.absent"; fi`,
    `out=$(install -m ${f.mode} -o ${owner} -g "$(id -gn ${owner})" "$STAGE/${f.name}" ${next} 2>&1) || abort "cannot write ${f.target}.homelab-new: $out"`,
    `printf '%s  %s\\n' ${sha256(f.content)} ${next} | sha256sum -c --status || abort "${f.target}.homelab-new was not written completely (disk full?)"`,
  ];
}

/**
 * The root-run body of the unit, apply.sh (expects the stage directory as $1). Guarded units also
 * run in revert mode (see revertMode).
 */
export function renderUnitBody(spec: UnitSpec): string {
  const who = `${spec.unit} on ${spec.machine}`;
  const guard = spec.guard;
  const out: string[] = [
    `# unit ${who} (all or nothing: see renderers/unit-script.ts)`,
    "set -eu",
    'STAGE="$1"',
    `STATE=${STATE_DIR}`,
    "PHASE=check; BK=; PENDING=; COMMITTED=0; REPORTED=no",
    `say() { echo "homelab: ${who}: $*" >&2; }`,
    // `set -e` does not apply inside a condition, so every line stops the step explicitly.
    "activate() {",
    ...spec.activate.map(
      (l) => `  ${l} || { say ${shq(`activation step failed: ${l}`)}; exit 1; }`,
    ),
    "}",
    "verify() {",
    ...(spec.verify?.length ? spec.verify.map((l) => `  ${l} || exit 1`) : ["  :"]),
    "}",
    ...restoreFunction(spec),
    ...runtimeFunction(spec),
  ];
  if (guard) out.push(...revertMode(spec, who));
  out.push(
    ...undoFunction(spec),
    'abort() { REPORTED=yes; m=$(undo); say "$*; $m"; exit 1; }',
    'fail() { abort "$@"; }',
    // Anything that stops the script without saying why is reported and undone all the same.
    'on_exit() { rc=$?; trap - EXIT; if [ $rc -ne 0 ] && [ $REPORTED = no ]; then m=$(undo); say "failed during $PHASE (exit $rc); $m"; fi; exit $rc; }',
    "trap on_exit EXIT",
    // The records for LiveState go to a file the bundle prints once this script succeeded.
    `rm -f "$STAGE/${RECORDS}"`,
  );
  if (guard) {
    out.push(
      // This apply itself came in over a new SSH connection: whatever is active lets the deployer in.
      `for P in "$STATE/pending/${spec.unit}".*; do`,
      '  [ -d "$P" ] || continue',
      '  mkdir "$P/decided" 2>/dev/null && rm -rf "$P"',
      "done",
    );
  }
  out.push("# 1. staged files are complete");
  for (const f of spec.files) {
    out.push(
      `[ -f "$STAGE/${f.name}" ] || fail ${shq(`staged file ${f.name} is missing`)}`,
      `printf '%s  %s\\n' ${sha256(f.content)} "$STAGE/${f.name}" | sha256sum -c --status || fail ${shq(`staged file ${f.name} does not match what was rendered`)}`,
    );
  }
  out.push("# 2. validate before anything changes", "PHASE=validate", ...(spec.validate ?? []));
  out.push(
    "# 3. prepare: back up, write every new file next to its target; nothing is installed yet",
    'out=$(mkdir -p "$STATE/backup" 2>&1) || abort "cannot create $STATE/backup: $out"',
    `BK=$(mktemp -d "$STATE/backup/${spec.unit}.XXXXXX" 2>&1) || { m=$BK; BK=; abort "cannot create a backup directory in $STATE/backup: $m"; }`,
    "PHASE=prepare",
    'mkparent() { [ -d "$1" ] && return 0; mkparent "$(dirname "$1")" && echo "$1" >> "$BK/dirs" && mkdir "$1"; }',
  );
  for (const d of parents(spec)) {
    out.push(`out=$(mkparent ${shq(d)} 2>&1) || abort "cannot create ${d}: $out"`);
  }
  if (spec.snapshot) {
    out.push(
      `out=$( ( ${spec.snapshot.save} ) 2>&1) || abort "cannot save the runtime state: $out"`,
    );
  }
  spec.files.forEach((f, i) => out.push(...prepareFile(f, i)));
  out.push(
    ...recordAdoption(
      spec.unit,
      spec.files.map((f, index) => ({ index, target: f.target })),
      spec.reload ?? spec.activate,
    ),
  );
  out.push("# 4. commit: rename each new file over its target", "PHASE=commit");
  spec.files.forEach((f, i) => {
    out.push(
      `out=$(mv -f ${shq(`${f.target}.homelab-new`)} ${shq(f.target)} 2>&1) || abort "cannot install ${f.target}: $out"`,
      `COMMITTED=${i + 1}`,
    );
  });
  out.push(
    "# 5. activate and verify",
    "PHASE=activate",
    '(activate) || abort "activation failed"',
    '(verify) || abort "verification failed after activating"',
  );
  if (guard) {
    out.push(
      "# 6. arm the dead-man switch: the backup becomes the revert point",
      `out=$(mkdir -p "$STATE/pending" 2>&1) || abort "cannot arm the dead-man switch: $out"`,
      `PENDING=$(mktemp -d "$STATE/pending/${spec.unit}.XXXXXX" 2>&1) || { m=$PENDING; PENDING=; abort "cannot arm the dead-man switch: $m"; }`,
      `out=$(cp "$STAGE/${APPLY_SCRIPT}" "$PENDING/${APPLY_SCRIPT}" 2>&1) || abort "cannot arm the dead-man switch: $out"`,
      'mv "$BK" "$PENDING/backup" || abort "cannot arm the dead-man switch (moving the backup failed)"',
      'BK="$PENDING/backup"',
      `setsid sh "$PENDING/${APPLY_SCRIPT}" "$STAGE" --revert-after ${guard.revertAfterSeconds} "$PENDING" </dev/null >>${LOG} 2>&1 &`,
      "PHASE=done",
      `echo "homelab: ${who} applied; it reverts in ${guard.revertAfterSeconds} s unless the deployer confirms over a new SSH connection"`,
      `printf '@armed\\t%s\\n' "$(printf %s "$(basename "$PENDING")" | base64 | tr -d '\\n')" > "$STAGE/${RECORDS}"`,
    );
  } else {
    out.push(
      "PHASE=done",
      'rm -rf "$BK"',
      `echo "homelab: ${who} applied"`,
      "# the post-apply observation, for the unit's LiveState (no second session needed)",
      `sh "$STAGE/${OBSERVE_SCRIPT}" > "$STAGE/${RECORDS}" || :`,
    );
  }
  return lines(out);
}
