/**
 * Plays a Talos cluster's rendered steps against the talosctl stand-in in the order the component
 * chains them (renderers/talos-rollout.ts): secrets → talosconfig → machine configs → upgrades by
 * stage → Kubernetes → applies by stage → bootstrap → kubeconfig. Like the engine, a phase stops at
 * the first stage with a failed step: later stages (which depend on it) do not run.
 */
import * as assert from "node:assert/strict";
import type { TalosCluster } from "../../model/lab";
import { renderTalosPatch, talosNodePatches } from "../../renderers/talos";
import { talosNodes, talosStages, TalosNode } from "../../renderers/talos-rollout";
import {
  PATCH_ENV,
  renderApply,
  renderBootstrap,
  renderKubeconfig,
  renderKubernetesCreate,
  renderMachineConfig,
  renderSecretsCreate,
  renderTalosconfig,
  renderUpgrade,
  TALOSCONFIG_ENV,
} from "../../renderers/talos-steps";
import type { StepResult, TalosStandIn } from "./talosctl-standin";

export interface Outcome {
  readonly node: string;
  readonly result: StepResult;
}

/** A cluster whose gates give up after `seconds` (the schema's minimum is for real nodes). */
export function withGate(c: TalosCluster, seconds: number, workersAtOnce = 1): TalosCluster {
  return { ...c, rollout: { workersAtOnce, healthTimeoutSec: seconds } };
}

export function ok(what: string, r: StepResult): StepResult {
  assert.equal(r.status, 0, `${what} failed:\n${r.output}`);
  return r;
}

export class ClusterDrive {
  readonly secrets: string;
  /** The talosctl client config (output of the talosconfig step). */
  talosconfig = "";

  constructor(
    readonly t: TalosStandIn,
    secrets?: string,
  ) {
    this.secrets = secrets ?? ok("gen secrets", t.step(renderSecretsCreate())).stdout;
  }

  env(): Record<string, string> {
    return { [TALOSCONFIG_ENV]: this.talosconfig };
  }

  /** The talosconfig step (stdin: the secrets). */
  connect(c: TalosCluster): this {
    this.talosconfig = ok(
      "talosconfig",
      this.t.step(renderTalosconfig(c), { stdin: this.secrets }),
    ).stdout;
    return this;
  }

  /** Each node's machine config step. */
  configs(c: TalosCluster): Map<string, string> {
    return new Map(
      talosNodes(c).map((n) => {
        const m = [...c.controlPlanes, ...c.workers].find((x) => x.name === n.name)!;
        const r = this.t.step(renderMachineConfig(c, n), {
          stdin: this.secrets,
          env: { [PATCH_ENV]: renderTalosPatch(talosNodePatches(c, m, n.role)) },
        });
        return [n.name, ok(`config ${n.name}`, r).stdout];
      }),
    );
  }

  /**
   * One phase in stage order; stops after the first stage with a failure. `from` skips the stages
   * before it: on a re-run the engine does not run steps whose inputs match the state.
   */
  phase(
    c: TalosCluster,
    step: "upgrade" | "apply",
    opts: { configs?: Map<string, string>; from?: number } = {},
  ): Outcome[] {
    const out: Outcome[] = [];
    for (const stage of talosStages(c).slice(opts.from ?? 0)) {
      const results = stage.map((n: TalosNode) => ({
        node: n.name,
        result:
          step === "upgrade"
            ? this.t.step(renderUpgrade(c, n), { env: this.env() })
            : this.t.step(renderApply(c, n), {
                stdin: opts.configs!.get(n.name)!,
                env: this.env(),
              }),
      }));
      out.push(...results);
      if (results.some((r) => r.result.status !== 0)) break;
    }
    return out;
  }

  /** A first `pulumi up`: every node from maintenance mode to a bootstrapped cluster. */
  create(c: TalosCluster): Map<string, string> {
    this.connect(c);
    const configs = this.configs(c);
    for (const o of this.phase(c, "upgrade")) ok(`upgrade ${o.node}`, o.result);
    ok("kubernetes", this.t.step(renderKubernetesCreate(c), { env: this.env() }));
    for (const o of this.phase(c, "apply", { configs })) ok(`apply ${o.node}`, o.result);
    ok("bootstrap", this.t.step(renderBootstrap(c), { env: this.env() }));
    ok("kubeconfig", this.t.step(renderKubeconfig(c), { env: this.env() }));
    return configs;
  }
}
