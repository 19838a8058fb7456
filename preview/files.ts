/**
 * Readable diffs of what changes on the machines. Each unit's LiveState (providers/live-state.ts)
 * carries the unit's declared state as its `state` input — every file's content keyed by its target
 * path, its mode and owner, and each fact (renderers/unit-script.ts `declaredState`) — so:
 *
 * - a re-applied unit shows, per file or fact that changes, old declared → new declared;
 * - drift (a refresh found the machine different; the unit itself did not change) shows
 *   live → declared, the live side being what the observer read on the machine.
 *
 * Files copied by their own `CopyToRemote` (while units still stage them that way, and the
 * verification probes) are shown from the copy's source, unless a sibling LiveState already shows
 * the same content under its target path.
 */
import { RESOURCE_TYPES } from "../model/tokens";
import { lineDiff } from "./diff";
import { nameOf, typeOf, type Change } from "./resources";
import type { PreviewStep, StepState } from "./types";

/** A code fence longer than any backtick run in `text`, so content cannot close it. */
export function fenced(lang: string, text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${lang}\n${text}\n${fence}`;
}

/** Pulumi prints a secret value (and anything inside it) as this string. */
const SECRET = "[secret]";

const declared = (s: StepState | undefined): Record<string, unknown> | string | undefined => {
  const v = s?.inputs?.state;
  if (v === SECRET) return SECRET;
  return v && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
};

/**
 * A LiveState update whose unit did not change: `pulumi preview --refresh` found the machine
 * different from the declared state (drift), and the update will repair it.
 */
export function isDrift(s: PreviewStep): boolean {
  if (typeOf(s) !== RESOURCE_TYPES.liveState || !s.oldState?.inputs || !s.newState?.inputs)
    return false;
  const o = s.oldState.inputs;
  const n = s.newState.inputs;
  return o.token === n.token && o.applyId === n.applyId;
}

/**
 * A unit's first apply on a machine that was adopted: its LiveState recorded the machine while it
 * was only observed (ssh.observeOnly), so old → new is live → declared (with `--refresh`, as of now).
 */
export function isAdoption(s: PreviewStep): boolean {
  if (typeOf(s) !== RESOURCE_TYPES.liveState) return false;
  return s.oldState?.inputs?.observeOnly === true && s.newState?.inputs?.observeOnly !== true;
}

/**
 * Whether applying the unit can cut the deployer off: the units under the dead-man switch (sshd,
 * firewall, NixOS switch) and the network unit (addresses, routes).
 */
export function cutsAccess(s: PreviewStep): boolean {
  const i = s.newState?.inputs;
  return (
    typeOf(s) === RESOURCE_TYPES.liveState &&
    (Number(i?.revertAfterSeconds) > 0 || i?.unit === "network")
  );
}

/** The mark on a unit that can cut the deployer off, saying what protects the machine. */
function accessNote(s: PreviewStep): string {
  const seconds = Number(s.newState?.inputs?.revertAfterSeconds);
  return seconds > 0
    ? `⚠️ **Can cut access** (SSH or firewall): applied under the dead-man switch; the machine reverts by itself unless the deployer logs in anew within ${seconds} s.`
    : "⚠️ **Can cut access**: changes addresses or routes the deployer may reach machines by.";
}

/** One diff per key of the declared state whose text changes. */
function stateDiff(step: PreviewStep, label: string): string | undefined {
  const before = declared(step.oldState);
  const after = declared(step.newState);
  if (before === SECRET || after === SECRET) return "The unit's files are secret: not shown.";
  if (typeof before !== "object" || typeof after !== "object") return undefined;
  const parts: string[] = [];
  for (const key of Object.keys(after)) {
    const a = before[key];
    const b = after[key];
    // Equal secrets may still differ: Pulumi shows every secret as the same string.
    if (a === b && a !== SECRET) continue;
    if (a === SECRET || b === SECRET || typeof a !== "string" || typeof b !== "string") {
      parts.push(`\`${key}\`${label}: content not shown (secret or not text).`);
      continue;
    }
    parts.push(`\`${key}\`${label}\n\n${fenced("diff", lineDiff(a, b))}`);
  }
  return parts.length ? parts.join("\n\n") : undefined;
}

const assetText = (state: StepState | undefined): string | undefined => {
  const src = state?.inputs?.source as { text?: unknown } | string | undefined;
  return src && typeof src === "object" && typeof src.text === "string" ? src.text : undefined;
};

/** The declared texts of every LiveState in the preview, per parent (a unit's files). */
function declaredTexts(all: readonly Change[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const c of all) {
    if (typeOf(c.step) !== RESOURCE_TYPES.liveState) continue;
    const parent = c.step.newState?.parent ?? c.step.oldState?.parent ?? "";
    const texts = out.get(parent) ?? new Set<string>();
    for (const s of [c.step.oldState, c.step.newState]) {
      const d = declared(s);
      if (d && typeof d === "object")
        Object.values(d).forEach((v) => typeof v === "string" && texts.add(v));
    }
    out.set(parent, texts);
  }
  return out;
}

function copyDiff(step: PreviewStep, shown: Set<string> | undefined): string | undefined {
  const remote = step.newState?.inputs?.remotePath ?? step.oldState?.inputs?.remotePath;
  const path = typeof remote === "string" ? remote : nameOf(step.urn);
  const before = assetText(step.oldState);
  const after = assetText(step.newState);
  // A unit's LiveState shows its files under their target paths (secret ones included).
  if (before === undefined || after === undefined)
    return shown ? undefined : `\`${path}\`: content not shown (secret or not text).`;
  if (shown?.has(before) && shown.has(after)) return undefined;
  const digestless = (t: string) => t.replace(/\b[0-9a-f]{64}\b/g, "<sha256>");
  if (before !== after && digestless(before) === digestless(after))
    return `\`${path}\`: only the checksums of the files it applies changed.`;
  const diff = lineDiff(before, after);
  return diff ? `\`${path}\`\n\n${fenced("diff", diff)}` : undefined;
}

/**
 * The diffs to show for each change (same order), `undefined` where there is nothing to read:
 * creates and deletes, and resources that are not files.
 */
export function fileDiffs(all: readonly Change[]): (string | undefined)[] {
  const shown = declaredTexts(all);
  return all.map((c) => {
    if (c.op !== "update" && c.op !== "replace") return undefined;
    const t = typeOf(c.step);
    if (t === RESOURCE_TYPES.liveState) {
      const live = isDrift(c.step) || isAdoption(c.step);
      const diff = stateDiff(c.step, live ? " (live → declared)" : "");
      return diff && cutsAccess(c.step) ? `${accessNote(c.step)}\n\n${diff}` : diff;
    }
    if (t === RESOURCE_TYPES.copyToRemote)
      return copyDiff(c.step, shown.get(c.step.newState?.parent ?? c.step.oldState?.parent ?? ""));
    return undefined;
  });
}
