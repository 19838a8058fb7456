/**
 * A provisioning unit: a few rendered files that belong together on one machine, plus the shell that
 * turns them on. The script itself is staged next to the files (apply.sh) and the remote command is
 * one short line that checks its hash and runs it. The script is idempotent and careful:
 *   1. the staged files (copied by CopyToRemote) must match the expected SHA-256 (no half copies);
 *   2. `validate` checks them while still staged (nft -c, dnsmasq --test, …);
 *   3. each target is replaced write-then-rename, the previous version kept aside;
 *   4. `activate` turns them on (reload); `verify` checks the effect (sshd -T, …);
 *   5. if activate or verify fails, every file is restored, activate runs again on the old files
 *      (when there were old files), and the step fails with the reason.
 */
import { createHash } from "node:crypto";
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
  /** Unit name: sshd, network, firewall, dns, nixos, domain-<vm>… (a plain name). */
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
   * Dead-man switch for changes that can cut the deployer off (sshd, firewall): after activating,
   * the machine reverts by itself unless the deployer confirms over a NEW SSH connection in time.
   */
  readonly guard?: { readonly revertAfterSeconds: number };
  /**
   * Runtime state that restoring the files alone would not bring back (e.g. the loaded ruleset):
   * `save` writes it to "$BK/runtime" before installing, `restore` loads it back on a revert.
   */
  readonly snapshot?: { readonly save: string; readonly restore: string };
}

export const STAGE_ROOT = ".homelab/stage";

/** Stage directory of a unit, relative to the SSH user's home (where SFTP starts). */
export function stageDir(unit: string): string {
  return `${STAGE_ROOT}/${unit}`;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Where units keep backups and pending confirmations on the machine. */
const STATE_DIR = '"${HOMELAB_STATE_DIR:-/var/lib/homelab}"';
/** Appended to by reverts of the dead-man switch (HOMELAB_DEADMAN_LOG overrides it in tests). */
export const DEADMAN_LOG = "/var/log/homelab-deadman.log";
const LOG = `"\${HOMELAB_DEADMAN_LOG:-${DEADMAN_LOG}}"`;

/**
 * The root-run body of the unit (expects the stage directory as $1). Guarded units also run in
 * revert mode: `apply.sh STAGE --revert-after SECONDS PENDING_DIR` (started detached by the apply).
 */
export function renderUnitBody(spec: UnitSpec): string {
  const who = `${spec.unit} on ${spec.machine}`;
  const guard = spec.guard;
  const out: string[] = [
    `# unit ${who}`,
    "set -eu",
    'STAGE="$1"',
    `STATE=${STATE_DIR}`,
    `fail() { echo "homelab: ${who}: $*" >&2; exit 1; }`,
    "rollback() {",
  ];
  spec.files.forEach((f, i) => {
    out.push(
      `  if [ -e "$BK/${i}.absent" ]; then rm -f ${shq(f.target)}; else mv -f "$BK/${i}" ${shq(f.target)}; fi`,
    );
  });
  out.push(
    "}",
    // `set -e` does not apply inside a condition, so every line stops the step explicitly.
    "activate() {",
    ...spec.activate.map((l) => `  ${l} || exit 1`),
    "}",
    "verify() {",
    ...(spec.verify?.length ? spec.verify.map((l) => `  ${l} || exit 1`) : ["  :"]),
    "}",
  );
  if (guard) {
    out.push(
      "# Dead-man switch: revert to what ran before the apply, unless the deployer confirmed first.",
      `if [ "\${2:-}" = --revert-after ]; then`,
      '  sleep "$3"',
      '  PENDING="$4"',
      // Whoever creates "decided" first wins: the deployer's confirmation or this timer.
      '  mkdir "$PENDING/decided" 2>/dev/null || exit 0',
      '  BK="$PENDING/backup"',
      "  rollback",
      ...(spec.snapshot
        ? [
            `  ${spec.snapshot.restore} || echo "homelab: ${who}: restoring the previous runtime state failed" >&2`,
          ]
        : [`  (activate) || echo "homelab: ${who}: re-activating the previous files failed" >&2`]),
      `  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) homelab: ${who}: not confirmed within $3 s over a new SSH connection; reverted to the previous configuration" >>${LOG}`,
      '  rm -rf "$PENDING"',
      "  exit 0",
      "fi",
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
  out.push("# 2. validate before anything changes", ...(spec.validate ?? []));
  out.push(
    "# 3. install, write-then-rename, keeping the previous files",
    'mkdir -p "$STATE/backup"',
    `BK=$(mktemp -d "$STATE/backup/${spec.unit}.XXXXXX")`,
    "had_previous=no",
  );
  if (spec.snapshot) out.push(spec.snapshot.save);
  spec.files.forEach((f, i) => {
    const owner = f.owner ?? "root";
    out.push(
      `if [ -e ${shq(f.target)} ]; then cp -p ${shq(f.target)} "$BK/${i}"; had_previous=yes; else : > "$BK/${i}.absent"; fi`,
      `mkdir -p "$(dirname ${shq(f.target)})"`,
      `install -m ${f.mode} -o ${owner} -g "$(id -gn ${owner})" "$STAGE/${f.name}" ${shq(`${f.target}.homelab-new`)}`,
      `mv -f ${shq(`${f.target}.homelab-new`)} ${shq(f.target)}`,
    );
  });
  out.push(
    "# 4. activate and verify; 5. roll back on failure",
    "if ! (activate) || ! (verify); then",
    "  rollback",
    "  if [ $had_previous = yes ]; then",
    '    (activate) || echo "homelab: reactivating the previous files also failed" >&2',
    `    fail "activation failed; the previous files were restored and reactivated"`,
    "  fi",
    `  fail "activation failed; the new files were removed (there were none before)"`,
    "fi",
  );
  if (guard) {
    out.push(
      "# 6. arm the dead-man switch: the backup becomes the revert point",
      'mkdir -p "$STATE/pending"',
      `PENDING=$(mktemp -d "$STATE/pending/${spec.unit}.XXXXXX")`,
      'mv "$BK" "$PENDING/backup"',
      `cp "$STAGE/${APPLY_SCRIPT}" "$PENDING/${APPLY_SCRIPT}"`,
      `setsid sh "$PENDING/${APPLY_SCRIPT}" "$STAGE" --revert-after ${guard.revertAfterSeconds} "$PENDING" </dev/null >>${LOG} 2>&1 &`,
      `echo "homelab: ${who} applied; it reverts in ${guard.revertAfterSeconds} s unless the deployer confirms over a new SSH connection"`,
    );
  } else {
    out.push('rm -rf "$BK"', `echo "homelab: ${who} applied"`);
  }
  return lines(out);
}

/** Name of the staged script of a unit. */
export const APPLY_SCRIPT = "apply.sh";

/**
 * The remote command: checks the staged apply.sh against the rendered one and runs it as root
 * (directly, or through `sudo -n` for a non-root admin) with the unit's stage directory.
 */
export function renderUnitCommand(spec: UnitSpec, adminUser: string): string {
  const runner = adminUser === "root" ? "sh" : "sudo -n sh";
  const dir = `"$HOME/${stageDir(spec.unit)}"`;
  return [
    "set -e",
    `cd ${dir}`,
    `printf '%s  %s\\n' ${sha256(renderUnitBody(spec))} ${APPLY_SCRIPT} | sha256sum -c --status || { echo "homelab: ${spec.unit} on ${spec.machine}: staged ${APPLY_SCRIPT} does not match what was rendered" >&2; exit 1; }`,
    `${runner} ${APPLY_SCRIPT} ${dir}`,
  ].join("; ");
}

/** Hash that changes whenever anything the unit would do changes (its trigger). */
export function unitHash(spec: UnitSpec, adminUser: string): string {
  return sha256(`${renderUnitCommand(spec, adminUser)}\n${renderUnitBody(spec)}`);
}

// ---------------------------------------------------------------------------------------------
// Live state: what the machine looks like when the unit holds (drift detection, verification)

/** Key of a file's mode and owner in the declared/observed state. */
export const modeKey = (target: string) => `${target} (mode, owner)`;

/** Observation of an absent file. */
export const MISSING = "(missing)\n";

/** Ends a fact's text with exactly one newline, as the observer prints it. */
const factText = (s: string) => `${s.replace(/\n+$/, "")}\n`;

/**
 * The unit's declared state, keyed like the observer's output: each file's content and its
 * mode/owner (`stat -c '%a %U'`), then each fact.
 */
export function declaredState(spec: UnitSpec): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of spec.files) {
    out[f.target] = f.content;
    out[modeKey(f.target)] = `${f.mode.replace(/^0/, "")} ${f.owner ?? "root"}\n`;
  }
  for (const fact of spec.facts ?? []) out[fact.key] = factText(fact.expect);
  return out;
}

/**
 * Observer script (root, sh): prints one line per key, `key<TAB>base64(value)`. With `confirm`
 * (after an apply of a guarded unit) it first claims the pending dead-man switch, reported as the
 * `@confirm` record: confirmed, reverted (the timer won) or none. `@last-revert` is the switch's
 * last log line for this unit. Read-only otherwise.
 */
export function renderObserveScript(spec: UnitSpec, opts: { confirm: boolean }): string {
  const out: string[] = [
    `# observe unit ${spec.unit} on ${spec.machine}`,
    "set -u",
    "emit() { printf '%s\\t' \"$1\"; base64 | tr -d '\\n'; echo; }",
  ];
  if (spec.guard && opts.confirm) {
    out.push(
      "c=none",
      `for P in "\${HOMELAB_STATE_DIR:-/var/lib/homelab}/pending/${spec.unit}".*; do`,
      '  [ -d "$P" ] || continue',
      '  if mkdir "$P/decided" 2>/dev/null; then rm -rf "$P"; c=confirmed; else c=reverted; fi',
      "done",
      "printf '%s' \"$c\" | emit @confirm",
    );
  }
  if (spec.guard) {
    out.push(
      `grep -F ${shq(`homelab: ${spec.unit} on ${spec.machine}:`)} ${LOG} 2>/dev/null | tail -n 1 | emit @last-revert`,
    );
  }
  for (const f of spec.files) {
    const t = shq(f.target);
    out.push(
      `if [ -f ${t} ]; then emit ${t} < ${t}; stat -c '%a %U' ${t} | emit ${shq(modeKey(f.target))}; else printf '%s' ${shq(MISSING)} | emit ${t}; printf '%s' ${shq(MISSING)} | emit ${shq(modeKey(f.target))}; fi`,
    );
  }
  for (const fact of spec.facts ?? []) {
    out.push(`( ${fact.script} ) 2>&1 | awk 1 | emit ${shq(fact.key)}`);
  }
  return lines(out);
}

/** How the observer runs: as root, directly or through sudo. */
export function observeCommand(adminUser: string): string {
  return adminUser === "root" ? "sh -s" : "sudo -n sh -s";
}

/**
 * Re-creates the unit's stage directory (files and apply.sh) as the login user, so a repair also
 * works on a machine whose stage was lost (e.g. a reinstalled host). Contents travel as base64.
 */
export function renderStageScript(spec: UnitSpec): string {
  const staged = [...spec.files, { name: APPLY_SCRIPT, content: renderUnitBody(spec) }];
  const out: string[] = [
    `# stage unit ${spec.unit} on ${spec.machine}`,
    "set -eu",
    "umask 077",
    `D="$HOME/${stageDir(spec.unit)}"`,
    'mkdir -p "$D"',
  ];
  for (const f of staged) {
    const b64 = Buffer.from(f.content, "utf8")
      .toString("base64")
      .replace(/(.{76})/g, "$1\n");
    out.push(
      `base64 -d > "$D/${f.name}.tmp" <<'HOMELAB_EOF'`,
      b64.replace(/\n$/, ""),
      "HOMELAB_EOF",
      `printf '%s  %s\\n' ${sha256(f.content)} "$D/${f.name}.tmp" | sha256sum -c --status`,
      `mv -f "$D/${f.name}.tmp" "$D/${f.name}"`,
    );
  }
  return lines(out);
}
