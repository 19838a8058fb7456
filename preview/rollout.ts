/**
 * The "Rollout order" section of the PR comment: for each rollout intent record (a Talos cluster's
 * nodes, a wave of machines), the stages this preview changes, in the order they will run, with the
 * gate each stage must pass before the next. Unchanged stages are left out; no section when no
 * rollout changes. Pure.
 */
import { INTENT_TYPE } from "../model/intent";
import type { Intent, RolloutIntent } from "../model/intent";
import { nameOf, typeOf } from "./resources";
import type { EventLog, PreviewStep } from "./types";

/**
 * The rollout plans of the new side: from the event log (every resource, unchanged ones included)
 * and from the digest's changed intent records; one per record, deleted ones left out.
 */
function rollouts(steps: readonly PreviewStep[], log: EventLog): RolloutIntent[] {
  const byUrn = new Map<string, RolloutIntent>();
  for (const e of log.events)
    if (e.resource?.rollout) byUrn.set(e.resource.urn, e.resource.rollout);
  for (const s of steps) {
    if (typeOf(s) !== INTENT_TYPE) continue;
    const intent = (s.newState?.outputs?.intent ?? s.newState?.inputs?.intent) as
      Intent | undefined;
    if (s.op === "delete") byUrn.delete(s.urn);
    else if (intent?.kind === "rollout") byUrn.set(s.urn, intent);
  }
  return [...byUrn.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Markdown lines of the section (empty when no rollout stage changes). */
export function rolloutSection(steps: readonly PreviewStep[], log: EventLog): string[] {
  const changed = new Set(
    steps.filter((s) => !["same", "read", "refresh"].includes(s.op)).map((s) => nameOf(s.urn)),
  );
  const touches = (stage: RolloutIntent["phases"][number]["stages"][number]) =>
    stage.resources
      ? stage.resources.some((r) => changed.has(r))
      : [...changed].some((r) => stage.members.some((m) => r === m || r.startsWith(`${m}-`)));
  const out: string[] = [];
  for (const r of rollouts(steps, log)) {
    const phases = r.phases
      .map((p) => ({ name: p.name, stages: p.stages.filter(touches) }))
      .filter((p) => p.stages.length > 0);
    if (phases.length === 0) continue;
    out.push(
      `**${r.name}**: ${r.description}. Each stage starts after the previous one passed its gate: ${r.gate}.`,
      "",
      ...phases.map(
        (p, i) =>
          `${i + 1}. ${p.name}: ${p.stages
            .map((s) =>
              s.members.length === 1
                ? `\`${s.members[0]}\``
                : `${s.members.map((m) => `\`${m}\``).join(" + ")} (together)`,
            )
            .join(" → ")}`,
      ),
      "",
    );
  }
  return out.length ? ["#### Rollout order", "", ...out] : [];
}
