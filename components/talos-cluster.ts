import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Lab, TalosCluster as TalosModel, Vm } from "../model/lab";
import { machineIntent, talosIntent } from "../renderers/intents";
import { renderTalosPatch, talosNodePatches } from "../renderers/talos";
import {
  talosNodes,
  talosRolloutIntent,
  talosStages,
  talosStepNames as step,
} from "../renderers/talos-rollout";
import {
  PATCH_ENV,
  renderApply,
  renderBootstrap,
  renderBootstrapKeep,
  renderKubeconfig,
  renderKubernetesCreate,
  renderKubernetesUpgrade,
  renderMachineConfig,
  renderSecretsCreate,
  renderSecretsKeep,
  renderTalosconfig,
  renderUpgrade,
  TALOSCONFIG_ENV,
} from "../renderers/talos-steps";
import { IntentRecord } from "./intent-record";
import { TOKENS } from "../model/tokens";

export interface TalosClusterArgs {
  readonly lab: Lab;
  readonly cluster: TalosModel;
  /** VM definitions of the nodes that are VMs (their NIC bridges go into the intent records). */
  readonly vms: readonly Vm[];
  /** Wait for these first (the node VMs running). */
  readonly after?: pulumi.Input<pulumi.Resource>[];
  /**
   * An existing cluster's secrets bundle (`talosctl gen secrets` YAML, secret), to adopt a running
   * cluster.
   * @default generated once by `talosctl gen secrets` and kept in the state
   */
  readonly secrets?: pulumi.Input<string>;
  /**
   * Build a Kubernetes provider from the kubeconfig (for workloads on the cluster).
   * @default none: a stack without workloads needs no Kubernetes provider plugin
   */
  readonly kubernetesProvider?: boolean;
}

/**
 * A Talos Kubernetes cluster, driven by talosctl through local commands (Talos has no SSH): secrets
 * generated once (or adopted) and kept as Pulumi secrets; a machine config per node; then, in the
 * order of the rollout plan (renderers/talos-rollout.ts), node-by-node Talos upgrades with health
 * gates, a Kubernetes upgrade, and node-by-node machine-config applies; etcd bootstrapped once; the
 * kubeconfig (secret). Every script is rendered by renderers/talos-steps.ts.
 */
export class TalosCluster extends pulumi.ComponentResource {
  public readonly ready: pulumi.Output<string>;
  /** Admin kubeconfig. Secret. */
  public readonly kubeconfig: pulumi.Output<string>;
  /** talosctl client config. Secret. */
  public readonly talosconfig: pulumi.Output<string>;
  /** Present when args.kubernetesProvider is set. */
  public readonly provider?: k8s.Provider;

  constructor(name: string, args: TalosClusterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(TOKENS.talosCluster, name, {}, opts);
    const { lab, cluster: c } = args;
    // stdout of these steps carries key material: secret in state (additionalSecretOutputs) and,
    // wherever it is passed on, wrapped again so it stays secret before the engine sees it.
    const secretOut = { parent: this, additionalSecretOutputs: ["stdout"] };
    const secretStdout = (cmd: command.local.Command) => pulumi.secret(cmd.stdout);
    const local = (
      resource: string,
      scripts: { create: string; update?: string },
      inputs: Partial<command.local.CommandArgs>,
      options: pulumi.CustomResourceOptions,
    ) =>
      new command.local.Command(
        resource,
        { create: scripts.create, update: scripts.update ?? scripts.create, ...inputs },
        options,
      );

    // Generated once: the create text is a constant and the update keeps the previous bundle, so
    // no change of versions, endpoint, patches or nodes can give the cluster a new CA.
    const secrets =
      args.secrets !== undefined
        ? pulumi.secret(args.secrets)
        : secretStdout(
            local(
              step.secrets(name),
              { create: renderSecretsCreate(), update: renderSecretsKeep() },
              { logging: "stderr" },
              secretOut,
            ),
          );

    const talosconfig = secretStdout(
      local(
        step.talosconfig(name),
        { create: renderTalosconfig(c) },
        { stdin: secrets, logging: "stderr" },
        secretOut,
      ),
    );
    const env = { [TALOSCONFIG_ENV]: talosconfig };

    const nodes = talosNodes(c);
    const machineConfig = new Map(
      nodes.map((n) => {
        const m = [...c.controlPlanes, ...c.workers].find((x) => x.name === n.name)!;
        const cmd = local(
          step.config(name, n.name),
          { create: renderMachineConfig(c, n) },
          {
            stdin: secrets,
            environment: { [PATCH_ENV]: renderTalosPatch(talosNodePatches(c, m, n.role)) },
            logging: "stderr",
          },
          secretOut,
        );
        return [n.name, secretStdout(cmd)] as const;
      }),
    );

    // The rollout: each stage waits for the previous one (its steps include their health gate);
    // a stage whose steps are unchanged completes at once.
    const stages = talosStages(c);
    let previous: pulumi.Input<pulumi.Resource>[] = args.after ?? [];
    for (const stage of stages) {
      previous = stage.map((n) =>
        local(
          step.upgrade(name, n.name),
          { create: renderUpgrade(c, n) },
          { environment: env, logging: "stdoutAndStderr" },
          { parent: this, dependsOn: previous },
        ),
      );
    }
    const kubernetes = local(
      step.kubernetes(name),
      { create: renderKubernetesCreate(c), update: renderKubernetesUpgrade(c) },
      { environment: env, logging: "stdoutAndStderr" },
      { parent: this, dependsOn: previous },
    );
    previous = [kubernetes];
    const applied: command.local.Command[] = [];
    const controlPlanesApplied: command.local.Command[] = [];
    for (const stage of stages) {
      const cmds = stage.map((n) =>
        local(
          step.apply(name, n.name),
          { create: renderApply(c, n) },
          { stdin: machineConfig.get(n.name)!, environment: env, logging: "stdoutAndStderr" },
          { parent: this, dependsOn: previous },
        ),
      );
      stage.forEach((n, i) => n.role === "controlplane" && controlPlanesApplied.push(cmds[i]!));
      applied.push(...cmds);
      previous = cmds;
    }

    const bootstrap = local(
      step.bootstrap(name),
      { create: renderBootstrap(c), update: renderBootstrapKeep() },
      { environment: env, logging: "stdoutAndStderr" },
      { parent: this, dependsOn: controlPlanesApplied },
    );
    const kubeconfig = local(
      step.kubeconfig(name),
      { create: renderKubeconfig(c) },
      { environment: env, logging: "stderr" },
      { ...secretOut, dependsOn: [bootstrap, ...applied] },
    );

    this.kubeconfig = secretStdout(kubeconfig);
    this.talosconfig = talosconfig;
    if (args.kubernetesProvider) {
      this.provider = new k8s.Provider(
        `${name}-k8s`,
        { kubeconfig: this.kubeconfig },
        { parent: this },
      );
    }

    new IntentRecord(`${name}-intent`, { intent: talosIntent(c) }, { parent: this });
    new IntentRecord(`${name}-rollout`, { intent: talosRolloutIntent(name, c) }, { parent: this });
    for (const n of nodes) {
      const m = [...c.controlPlanes, ...c.workers].find((x) => x.name === n.name)!;
      const vm = args.vms.find((v) => v.name === n.name);
      new IntentRecord(
        `${name}-${n.name}-intent`,
        { intent: machineIntent(lab, m, vm) },
        { parent: this },
      );
    }
    this.ready = kubeconfig.stdout.apply(() => c.clusterName);
    this.registerOutputs({ ready: this.ready });
  }
}
