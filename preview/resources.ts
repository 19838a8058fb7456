/**
 * What the report says about resources: their names and types, the steps that change something,
 * the intent records they carry, and the machine each belongs to — found from the resource's
 * parent chain (the machine components' type tokens, model/tokens.ts), never from its name.
 */
import type { Intent } from "../model/intent";
import { INTENT_TYPE } from "../model/intent";
import { TOKENS } from "../model/tokens";
import type { EventLog, PreviewStep, StepState } from "./types";

export const nameOf = (urn: string) => urn.split("::").pop() ?? urn;

/** The resource's own type: the last `$`-separated part of the URN's qualified type. */
export const urnType = (urn: string) => (urn.split("::")[2] ?? "").split("$").pop() ?? "";

export const typeOf = (s: PreviewStep) => s.newState?.type ?? s.oldState?.type ?? urnType(s.urn);

export interface Change {
  readonly urn: string;
  /** create, update, replace (both halves of a replacement folded) or delete. */
  readonly op: string;
  readonly step: PreviewStep;
}

const REPLACE_OPS = ["create-replacement", "delete-replaced", "replace", "discard-replaced"];

/** Steps that change something, one per resource, sorted by resource name. */
export function changes(steps: readonly PreviewStep[]): Change[] {
  const byUrn = new Map<string, Change>();
  for (const s of steps) {
    if (s.op === "same" || s.op === "read" || s.op === "refresh") continue;
    const op = REPLACE_OPS.includes(s.op) ? "replace" : s.op;
    const prev = byUrn.get(s.urn);
    if (!prev || op === "replace")
      byUrn.set(s.urn, { urn: s.urn, op, step: prev && s.op !== "replace" ? prev.step : s });
  }
  return [...byUrn.values()].sort((a, b) => nameOf(a.urn).localeCompare(nameOf(b.urn)));
}

function intentOf(state: StepState | undefined): Intent | undefined {
  const v = (state?.outputs?.intent ?? state?.inputs?.intent) as Intent | undefined;
  return v && typeof v === "object" && "kind" in v ? v : undefined;
}

/** All intents of one side (old/new) of the preview, including unchanged ("same") records. */
export function intents(steps: readonly PreviewStep[], side: "old" | "new"): Intent[] {
  return steps
    .filter((s) => typeOf(s) === INTENT_TYPE)
    .map((s) =>
      intentOf(
        side === "old"
          ? s.op === "create"
            ? undefined
            : (s.oldState ?? s.newState)
          : s.op === "delete"
            ? undefined
            : (s.newState ?? s.oldState),
      ),
    )
    .filter((i): i is Intent => i !== undefined);
}

/** Components that stand for one machine: a resource belongs to the nearest one above it. */
export const MACHINE_TYPES: readonly string[] = [
  TOKENS.router,
  TOKENS.hypervisor,
  TOKENS.vm,
  TOKENS.linuxHost,
  TOKENS.nixosHost,
];

/** Where a changed resource is listed: the machine it belongs to, or the lab-wide component. */
export type GroupOf = (urn: string) => string;

/**
 * Groups by parent chain. The parents come from the digest's states and, for resources the digest
 * omits (unchanged components such as a machine whose one unit changes), from the event log's
 * step events. A resource belongs to the nearest machine component on its chain (itself included);
 * without one, to the top-most component below the lab (the verification probes, the Talos
 * cluster, public DNS); resources directly under the stack or the lab are "lab". Where the chain is
 * cut (no event log), the highest ancestor known stands in.
 */
export function parentGroups(steps: readonly PreviewStep[], log: EventLog): GroupOf {
  const parent = new Map<string, string>();
  for (const e of log.events) if (e.resource?.parent) parent.set(e.resource.urn, e.resource.parent);
  for (const s of steps) {
    const p = s.newState?.parent ?? s.oldState?.parent;
    if (p) parent.set(s.urn, p);
  }
  const top = new Set<string>(["pulumi:pulumi:Stack", TOKENS.lab]);
  return (urn) => {
    let highest: string | undefined;
    const seen = new Set<string>();
    for (let u: string | undefined = urn; u && !seen.has(u); u = parent.get(u)) {
      seen.add(u);
      const t = urnType(u);
      if (MACHINE_TYPES.includes(t)) return nameOf(u);
      if (top.has(t)) break;
      highest = u;
    }
    return highest === undefined || highest === urn ? "lab" : nameOf(highest);
  };
}
