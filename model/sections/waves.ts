/**
 * `homelab:waves`: groups of machines whose changes must not happen at the same time (three
 * hypervisors, two DNS servers). The members of a wave converge one at a time, in the listed order,
 * each after the previous one applied and verified its units; machines outside waves keep
 * converging in parallel. Talos nodes have their own order (homelab:talos.rollout).
 */
import type { Context } from "../context";
import { name } from "../formats";
import type { Wave } from "../lab";
import { show } from "../messages";
import { Infer, list, map, object, opt, req, str } from "../schema";

export const wavesSchema = map(
  object("A rollout wave: machines that converge one at a time, in this order.", {
    machines: req(
      list(name("Machine name (router, hypervisor, VM or host)."), {
        description:
          "The members, in rollout order: each starts only after the one before it converged.",
        minItems: 2,
        fix: "List at least two machines; a single machine needs no wave.",
      }),
    ),
    description: opt(str({ description: "Why these machines must not change at once." })),
  }),
  { description: "Rollout waves by name." },
);
export type WavesSpec = Infer<typeof wavesSchema>;

/** The stage a machine converges in: routers, then hypervisors, then guests (VMs and hosts). */
const stageOf = (kind: string) => (kind === "router" || kind === "hypervisor" ? kind : "guest");

export function checkWaves(ctx: Context): void {
  const inWave = new Map<string, string>();
  for (const [wave, spec] of Object.entries(ctx.inv.waves ?? {}).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    const stages = new Map<string, string>();
    spec.machines.forEach((m, i) => {
      const path = `homelab:waves.${wave}.machines[${i}]`;
      const ref = ctx.machineRef(path, m);
      if (!ref) return;
      const other = inWave.get(m);
      if (other !== undefined) {
        ctx.add(
          path,
          other === wave
            ? `${show(m)} is listed twice in this wave; expected each machine once. Remove the duplicate.`
            : `${show(m)} is already in wave ${other}; expected each machine in at most one wave (it converges once). Remove it from one of them.`,
        );
        return;
      }
      inWave.set(m, wave);
      if (ref.os === "talos") {
        ctx.add(
          path,
          `${show(m)} is a Talos node; expected a machine provisioned over SSH (Talos nodes already go one at a time, control planes first: homelab:talos.rollout). Remove it from the wave.`,
        );
        return;
      }
      stages.set(m, stageOf(ref.kind));
    });
    const kinds = [...new Set(stages.values())];
    if (kinds.length > 1) {
      ctx.add(
        `homelab:waves.${wave}.machines`,
        `mixes ${[...stages].map(([m, s]) => `${m} (${s})`).join(", ")}; expected machines of one stage (routers, hypervisors and guests already converge in that order, so a wave across them could never start). Split the wave by stage.`,
      );
    }
  }
}

export function resolveWaves(waves: WavesSpec | undefined): Wave[] {
  return Object.entries(waves ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([n, w]) => ({ name: n, machines: [...w.machines], description: w.description }));
}
