/**
 * One SSH session per unit: the remote command is the fixed `sh -s`, and its stdin is this bundle.
 * Run as the login user, the bundle stages the unit's files, apply.sh and observe.sh in the unit's
 * stage directory (each checked against its SHA-256, written then renamed), then runs apply.sh as
 * root (directly, or with `sudo -n` for a non-root admin, checked before anything is staged:
 * renderers/sudo.ts). The upstream command provider opens one
 * SSH connection per command (pulumi-command provider/pkg/provider/remote/command.go: `run` dials,
 * then `session.Stdin` is the `stdin` input), so a unit costs one connection, whatever its files.
 */
import { renderObserveScript } from "./unit-live";
import {
  APPLY_SCRIPT,
  OBSERVE_SCRIPT,
  RECORDS,
  renderUnitBody,
  sha256,
  stageDir,
  UnitSpec,
} from "./unit-script";
import { renderSudoCheck } from "./sudo";
import { lines } from "./text";

/** The remote command of every unit; what it runs comes on stdin. */
export const UNIT_COMMAND = "sh -s";

/** The files the bundle stages: the unit's files, then its scripts. */
export function stagedFiles(spec: UnitSpec): { name: string; content: string }[] {
  return [
    ...spec.files,
    { name: APPLY_SCRIPT, content: renderUnitBody(spec) },
    { name: OBSERVE_SCRIPT, content: renderObserveScript(spec) },
  ];
}

/** The stdin of the unit's remote command (see the module comment). */
export function renderUnitBundle(spec: UnitSpec, adminUser: string): string {
  const who = `${spec.unit} on ${spec.machine}`;
  const root = adminUser === "root" ? "" : "sudo -n ";
  const out: string[] = [
    `# unit ${who}: stage, then apply (stdin of \`${UNIT_COMMAND}\`)`,
    "set -eu",
    "umask 077",
    `fail() { echo "homelab: ${who}: $*" >&2; exit 1; }`,
    ...(adminUser === "root" ? [] : [renderSudoCheck(who, adminUser)]),
    `D="$HOME/${stageDir(spec.unit)}"`,
    'out=$(mkdir -p "$D" 2>&1) || fail "cannot create the stage directory $D: $out; nothing was changed"',
    // base64 on stdin (a here-document) → "$D/<name>", checked, renamed into place.
    'put() { if base64 -d > "$D/$1.tmp" && printf \'%s  %s\\n\' "$2" "$D/$1.tmp" | sha256sum -c --status; then mv -f "$D/$1.tmp" "$D/$1"; else rm -f "$D/$1.tmp"; fail "cannot stage $1 in $D (disk full?); nothing was changed"; fi; }',
  ];
  for (const f of stagedFiles(spec)) {
    const b64 = Buffer.from(f.content, "utf8")
      .toString("base64")
      .replace(/(.{76})/g, "$1\n")
      .replace(/\n$/, "");
    out.push(`put ${f.name} ${sha256(f.content)} <<'HOMELAB_EOF'`, b64, "HOMELAB_EOF");
  }
  // apply.sh must not read the rest of this script from stdin; its output is messages (stderr),
  // stdout carries only its records.
  out.push(`${root}sh "$D/${APPLY_SCRIPT}" "$D" </dev/null >&2`, `cat "$D/${RECORDS}"`);
  return lines(out);
}

/** Hash that changes whenever anything the unit would do changes (its trigger). */
export function unitHash(spec: UnitSpec, adminUser: string): string {
  return bundleHash(renderUnitBundle(spec, adminUser));
}

/** unitHash of an already rendered bundle. */
export function bundleHash(bundle: string): string {
  return sha256(`${UNIT_COMMAND}\n${bundle}`);
}
