/**
 * The order in which a Talos cluster changes, as plain data: control planes one at a time, then
 * workers in batches of `rollout.workersAtOnce`. Each stage starts only after every node of the
 * previous stage passed its health gate (the component chains the steps with dependsOn), so at most
 * one control plane is ever down and etcd keeps its quorum. A `pulumi up` runs three phases in this
 * order (Talos docs: upgrade Talos first, then Kubernetes, https://www.talos.dev/latest/kubernetes-guides/upgrading-kubernetes/):
 *   1. `upgrade`: `talosctl upgrade` of each node whose Talos version differs from the declared one;
 *   2. `kubernetes`: `talosctl upgrade-k8s` when kubernetesVersion changed (it patches every node);
 *   3. `apply`: `talosctl apply-config` of each node whose machine config changed, in the least
 *      disruptive mode Talos allows.
 * Pure: the same plan feeds the component's dependencies, the intent record and the PR comment.
 */
import type { RolloutIntent } from "../model/intent";
import type { TalosCluster } from "../model/lab";
import type { TalosRole } from "./talos";

export interface TalosNode {
  readonly name: string;
  readonly role: TalosRole;
  /** The node's address on the cluster network (talosctl -n/-e). */
  readonly address: string;
}

/** Control planes, then workers, in declaration order. */
export function talosNodes(c: TalosCluster): TalosNode[] {
  return [
    ...c.controlPlanes.map((m) => ({
      name: m.name,
      role: "controlplane" as const,
      address: m.interfaces[0]!.address,
    })),
    ...c.workers.map((m) => ({
      name: m.name,
      role: "worker" as const,
      address: m.interfaces[0]!.address,
    })),
  ];
}

/** The stages of a rollout: one control plane each, then at most `workersAtOnce` workers each. */
export function talosStages(c: TalosCluster): TalosNode[][] {
  const nodes = talosNodes(c);
  const stages: TalosNode[][] = nodes.filter((n) => n.role === "controlplane").map((n) => [n]);
  const workers = nodes.filter((n) => n.role === "worker");
  for (let i = 0; i < workers.length; i += c.rollout.workersAtOnce)
    stages.push(workers.slice(i, i + c.rollout.workersAtOnce));
  return stages;
}

/** Resource names of a cluster's steps (the component and the intent record share them). */
export const talosStepNames = {
  secrets: (cluster: string) => `${cluster}-secrets`,
  talosconfig: (cluster: string) => `${cluster}-talosconfig`,
  config: (cluster: string, node: string) => `${cluster}-${node}-config`,
  upgrade: (cluster: string, node: string) => `${cluster}-${node}-upgrade`,
  kubernetes: (cluster: string) => `${cluster}-kubernetes`,
  apply: (cluster: string, node: string) => `${cluster}-${node}-apply`,
  bootstrap: (cluster: string) => `${cluster}-bootstrap`,
  kubeconfig: (cluster: string) => `${cluster}-kubeconfig`,
};

/** What each node must pass before the next stage starts (shown in the PR comment). */
export function talosGate(c: TalosCluster): string {
  return `back on ${c.talosVersion} over mTLS, kubelet healthy and, on control planes, a healthy voting etcd member; at most ${c.rollout.healthTimeoutSec} s per node, otherwise the rollout stops at that node`;
}

/** The plan as an intent record: phases in order, each with its ordered stages. */
export function talosRolloutIntent(name: string, c: TalosCluster): RolloutIntent {
  const stages = talosStages(c);
  const perNode = (step: (cluster: string, node: string) => string) =>
    stages.map((s) => ({
      members: s.map((n) => n.name),
      resources: s.map((n) => step(name, n.name)),
    }));
  return {
    kind: "rollout",
    name: `talos:${c.clusterName}`,
    description: `Talos cluster ${c.clusterName}: control planes one at a time, then ${c.rollout.workersAtOnce === 1 ? "one worker" : `${c.rollout.workersAtOnce} workers`} at a time`,
    gate: talosGate(c),
    phases: [
      {
        name: `Talos upgrade to ${c.talosVersion}`,
        stages: perNode(talosStepNames.upgrade),
      },
      {
        name: `Kubernetes upgrade to ${c.kubernetesVersion} (talosctl upgrade-k8s)`,
        stages: [{ members: [c.clusterName], resources: [talosStepNames.kubernetes(name)] }],
      },
      {
        name: "Machine config (talosctl apply-config, without a reboot where Talos allows)",
        stages: perNode(talosStepNames.apply),
      },
    ],
  };
}
