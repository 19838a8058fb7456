/**
 * Live state of a unit: what the machine looks like when the unit holds (drift detection, post-apply
 * verification, the dead-man confirmation). Pure; the LiveState provider runs these scripts.
 */
import { asRootFromStdin } from "./sudo";
import { LOG, STATE_DIR, UnitSpec } from "./unit-script";
import { lines, shq } from "./text";

/** Key of a file's mode and owner in the declared/observed state. */
export const modeKey = (target: string) => `${target} (mode, owner)`;

/** Observation of an absent file. */
export const MISSING = "(missing)\n";

/** Ends a fact's text with exactly one newline, as the observer prints it. */
const factText = (s: string) => `${s.replace(/\n+$/, "")}\n`;

/**
 * The unit's declared state, keyed like the observer's output: each file's content (keyed by its
 * target path) and its mode/owner (`stat -c '%a %U'`), then each fact.
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
 * Observer script (root, sh): prints one line per key, `key<TAB>base64(value)`. Read-only, except
 * for guarded units when `CONFIRM` is set (the LiveState prepends `CONFIRM=<id>` after an apply, over
 * a new connection): it first claims that pending dead-man switch (`any`: every pending one of the
 * unit) and reports the `@confirm` record — confirmed, reverted (the timer won: its log names the
 * id) or none (nothing pending: superseded by a later apply). `@last-revert` is the switch's last
 * log line for this unit.
 */
export function renderObserveScript(spec: UnitSpec): string {
  const out: string[] = [
    `# observe unit ${spec.unit} on ${spec.machine}`,
    "set -u",
    "emit() { printf '%s\\t' \"$1\"; base64 | tr -d '\\n'; echo; }",
  ];
  if (spec.guard) {
    out.push(
      'if [ -n "${CONFIRM:-}" ]; then',
      "  c=none",
      `  if [ "$CONFIRM" = any ]; then set -- ${STATE_DIR}/pending/${spec.unit}.*; else set -- ${STATE_DIR}/pending/"$CONFIRM"; fi`,
      '  for P; do [ -d "$P" ] || continue; if mkdir "$P/decided" 2>/dev/null; then rm -rf "$P"; c=confirmed; else c=reverted; fi; done',
      `  if [ $c = none ] && [ "$CONFIRM" != any ] && grep -qF "[$CONFIRM]" ${LOG} 2>/dev/null; then c=reverted; fi`,
      "  printf '%s' \"$c\" | emit @confirm",
      "fi",
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

/** How the observer of `spec` runs: as root, directly or through sudo (renderers/sudo.ts). */
export function observeCommand(spec: UnitSpec, adminUser: string): string {
  return asRootFromStdin(adminUser, `${spec.unit} on ${spec.machine}`);
}
