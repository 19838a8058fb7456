/**
 * Rollout waves (homelab:waves) as plain data: which machine each member waits for, and the plan
 * as a rollout intent for the PR comment. Pure.
 */
import type { RolloutIntent } from "../model/intent";
import type { Lab, Wave } from "../model/lab";

/** What a member waits for before it starts: the previous member to apply and verify everything. */
export const WAVE_GATE =
  "every unit of the machine before it applied and verified on the machine over a new SSH connection (its LiveState)";

/** Each wave member (but the first) → the member before it. */
export function wavePredecessors(lab: Lab): Map<string, string> {
  return new Map(lab.waves.flatMap((w) => w.machines.slice(1).map((m, i) => [m, w.machines[i]!])));
}

/** `items` with every wave's members in wave order (a member is built after the one it waits for). */
export function inWaveOrder<T>(items: readonly T[], nameOf: (t: T) => string, lab: Lab): T[] {
  const rank = new Map(lab.waves.flatMap((w) => w.machines.map((m, i) => [m, i] as const)));
  const waveOf = new Map(lab.waves.flatMap((w) => w.machines.map((m) => [m, w.name] as const)));
  const members = items.filter((t) => waveOf.has(nameOf(t)));
  members.sort(
    (a, b) =>
      waveOf.get(nameOf(a))!.localeCompare(waveOf.get(nameOf(b))!) ||
      rank.get(nameOf(a))! - rank.get(nameOf(b))!,
  );
  return [...items.filter((t) => !waveOf.has(nameOf(t))), ...members];
}

export function waveIntent(w: Wave): RolloutIntent {
  return {
    kind: "rollout",
    name: `wave:${w.name}`,
    description: `${w.description ? `${w.description}: ` : ""}${w.machines.join(", ")}, one at a time`,
    gate: WAVE_GATE,
    phases: [
      {
        name: "Converge one machine at a time",
        stages: w.machines.map((m) => ({ members: [m] })),
      },
    ],
  };
}
