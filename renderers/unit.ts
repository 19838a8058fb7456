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
}

export const STAGE_ROOT = ".homelab/stage";

/** Stage directory of a unit, relative to the SSH user's home (where SFTP starts). */
export function stageDir(unit: string): string {
  return `${STAGE_ROOT}/${unit}`;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The root-run body of the unit (expects the stage directory as $1). */
export function renderUnitBody(spec: UnitSpec): string {
  const out: string[] = [
    `# unit ${spec.unit} on ${spec.machine}`,
    "set -eu",
    'STAGE="$1"',
    `fail() { echo "homelab: ${spec.unit} on ${spec.machine}: $*" >&2; exit 1; }`,
    "# 1. staged files are complete",
  ];
  for (const f of spec.files) {
    out.push(
      `[ -f "$STAGE/${f.name}" ] || fail ${shq(`staged file ${f.name} is missing`)}`,
      `printf '%s  %s\\n' ${sha256(f.content)} "$STAGE/${f.name}" | sha256sum -c --status || fail ${shq(`staged file ${f.name} does not match what was rendered`)}`,
    );
  }
  out.push("# 2. validate before anything changes", ...(spec.validate ?? []));
  out.push(
    "# 3. install, write-then-rename, keeping the previous files",
    "mkdir -p /var/lib/homelab/backup",
    `BK=$(mktemp -d /var/lib/homelab/backup/${spec.unit}.XXXXXX)`,
    "had_previous=no",
  );
  spec.files.forEach((f, i) => {
    const owner = f.owner ?? "root";
    out.push(
      `if [ -e ${shq(f.target)} ]; then cp -p ${shq(f.target)} "$BK/${i}"; had_previous=yes; else : > "$BK/${i}.absent"; fi`,
      `mkdir -p "$(dirname ${shq(f.target)})"`,
      `install -m ${f.mode} -o ${owner} -g "$(id -gn ${owner})" "$STAGE/${f.name}" ${shq(`${f.target}.homelab-new`)}`,
      `mv -f ${shq(`${f.target}.homelab-new`)} ${shq(f.target)}`,
    );
  });
  out.push("rollback() {");
  spec.files.forEach((f, i) => {
    out.push(
      `  if [ -e "$BK/${i}.absent" ]; then rm -f ${shq(f.target)}; else mv -f "$BK/${i}" ${shq(f.target)}; fi`,
    );
  });
  out.push("}");
  out.push(
    "# 4. activate and verify; 5. roll back on failure",
    // `set -e` does not apply inside a condition, so every line stops the step explicitly.
    "activate() {",
    ...spec.activate.map((l) => `  ${l} || exit 1`),
    "}",
    "verify() {",
    ...(spec.verify?.length ? spec.verify.map((l) => `  ${l} || exit 1`) : ["  :"]),
    "}",
    "if ! (activate) || ! (verify); then",
    "  rollback",
    "  if [ $had_previous = yes ]; then",
    '    (activate) || echo "homelab: reactivating the previous files also failed" >&2',
    `    fail "activation failed; the previous files were restored and reactivated"`,
    "  fi",
    `  fail "activation failed; the new files were removed (there were none before)"`,
    "fi",
    'rm -rf "$BK"',
    `echo "homelab: ${spec.unit} on ${spec.machine} applied"`,
  );
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
