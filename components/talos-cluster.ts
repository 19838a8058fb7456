import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Lab, Machine, TalosCluster as TalosModel, Vm } from "../model/lab";
import { machineIntent, talosIntent } from "../renderers/intents";
import { renderTalosPatch, talosNodePatches, TalosRole } from "../renderers/talos";
import { shq } from "../renderers/text";
import { IntentRecord } from "./intent-record";
import { TOKENS } from "../model/tokens";

export interface TalosClusterArgs {
  readonly lab: Lab;
  readonly cluster: TalosModel;
  /** VM definitions of the nodes that are VMs (their NIC bridges go into the intent records). */
  readonly vms: readonly Vm[];
  /** Wait for these first (the node VMs running). */
  readonly after?: pulumi.Input<pulumi.Resource>[];
}

/** Shell prelude of every talosctl step: pinned client, private temp dir. */
function prelude(version: string): string {
  return [
    "set -eu",
    "umask 077",
    `command -v talosctl >/dev/null || { echo "talosctl ${version} is required on the deployer (https://www.talos.dev/)" >&2; exit 1; }`,
    `talosctl version --client --short 2>/dev/null | grep -qw ${shq(version)} || { echo "talosctl ${version} is required; found: $(talosctl version --client --short 2>/dev/null | tr '\\n' ' ')" >&2; exit 1; }`,
    "d=$(mktemp -d); trap 'rm -rf \"$d\"' EXIT",
  ].join("\n");
}

/** Retries a command for up to `tries` × 5 s (a node booting, an API coming up). */
function retry(tries: number, cmd: string): string {
  return `i=0; until ${cmd}; do i=$((i+1)); [ $i -lt ${tries} ] || { echo "gave up after ${tries} attempts: ${cmd.replace(/"/g, "'")}" >&2; exit 1; }; sleep 5; done`;
}

/**
 * A Talos Kubernetes cluster, driven by talosctl through local commands (Talos has no SSH): secrets
 * generated once and kept as Pulumi secrets, one machine config per node with its patches, applied
 * when it changes, etcd bootstrapped once, kubeconfig fetched (secret) for a Kubernetes provider.
 * Versions are pinned: the deployer's talosctl must be exactly the cluster's Talos version.
 */
export class TalosCluster extends pulumi.ComponentResource {
  public readonly ready: pulumi.Output<string>;
  /** Admin kubeconfig. Secret. */
  public readonly kubeconfig: pulumi.Output<string>;
  /** talosctl client config. Secret. */
  public readonly talosconfig: pulumi.Output<string>;
  public readonly provider: k8s.Provider;

  constructor(name: string, args: TalosClusterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(TOKENS.talosCluster, name, {}, opts);
    const { lab, cluster: c } = args;
    const pre = prelude(c.talosVersion);
    // stdout of these steps carries key material: secret in state (additionalSecretOutputs) and,
    // wherever it is passed on, wrapped again so it stays secret before the engine sees it.
    const secretOut = { parent: this, additionalSecretOutputs: ["stdout"] };
    const secretStdout = (cmd: command.local.Command) => pulumi.secret(cmd.stdout);

    const secrets = new command.local.Command(
      `${name}-secrets`,
      {
        create: `${pre}\ntalosctl gen secrets --output-file "$d/secrets.yaml" >/dev/null\ncat "$d/secrets.yaml"`,
        logging: "stderr",
      },
      { ...secretOut, dependsOn: args.after ?? [] },
    );

    const cps = c.controlPlanes.map((m) => m.interfaces[0]!.address);
    const genBase = `talosctl gen config ${c.clusterName} ${c.endpoint} --with-secrets "$d/secrets.yaml" --kubernetes-version ${c.kubernetesVersion.replace(/^v/, "")} --with-docs=false --with-examples=false`;
    const talosconfig = new command.local.Command(
      `${name}-talosconfig`,
      {
        create: [
          pre,
          'cat > "$d/secrets.yaml"',
          `${genBase} --output-types talosconfig --output "$d/talosconfig" >/dev/null`,
          `talosctl --talosconfig "$d/talosconfig" config endpoint ${cps.join(" ")}`,
          `talosctl --talosconfig "$d/talosconfig" config node ${cps[0]}`,
          'cat "$d/talosconfig"',
        ].join("\n"),
        stdin: secretStdout(secrets),
        logging: "stderr",
      },
      secretOut,
    );

    const nodes: { m: Machine; role: TalosRole }[] = [
      ...c.controlPlanes.map((m) => ({ m, role: "controlplane" as const })),
      ...c.workers.map((m) => ({ m, role: "worker" as const })),
    ];
    const applied: command.local.Command[] = [];
    for (const { m, role } of nodes) {
      const ip = m.interfaces[0]!.address;
      const gen = [
        pre,
        'cat > "$d/secrets.yaml"',
        'printf \'%s\' "$TALOS_PATCH" > "$d/patch.yaml"',
        `${genBase} --output-types ${role} --config-patch @"$d/patch.yaml" --output "$d/machine.yaml" >/dev/null`,
        'cat "$d/machine.yaml"',
      ].join("\n");
      const config = new command.local.Command(
        `${name}-${m.name}-config`,
        {
          create: gen,
          update: gen,
          stdin: secretStdout(secrets),
          environment: { TALOS_PATCH: renderTalosPatch(talosNodePatches(c, m, role)) },
          logging: "stderr",
        },
        secretOut,
      );
      const apply = [
        pre,
        'cat > "$d/machine.yaml"',
        'printf \'%s\' "$TALOSCONFIG" > "$d/talosconfig"',
        `tc="--talosconfig $d/talosconfig -n ${ip} -e ${ip}"`,
        "# a node already in the cluster takes the config over mTLS; a new one is in maintenance mode",
        retry(
          60,
          `talosctl $tc version >/dev/null 2>&1 || talosctl get machinestatus --insecure -n ${ip} -e ${ip} >/dev/null 2>&1`,
        ),
        `if talosctl $tc version >/dev/null 2>&1; then talosctl $tc apply-config --file "$d/machine.yaml"; else talosctl apply-config --insecure -n ${ip} -e ${ip} --file "$d/machine.yaml"; fi`,
      ].join("\n");
      applied.push(
        new command.local.Command(
          `${name}-${m.name}-apply`,
          {
            create: apply,
            update: apply,
            stdin: secretStdout(config),
            environment: { TALOSCONFIG: secretStdout(talosconfig) },
            logging: "stdoutAndStderr",
          },
          { parent: this },
        ),
      );
    }

    const cp1 = cps[0]!;
    const bootstrap = new command.local.Command(
      `${name}-bootstrap`,
      {
        create: [
          pre,
          'printf \'%s\' "$TALOSCONFIG" > "$d/talosconfig"',
          `tc="--talosconfig $d/talosconfig -n ${cp1} -e ${cp1}"`,
          "# etcd is bootstrapped exactly once; AlreadyExists means an earlier run did it",
          retry(
            60,
            `{ out=$(talosctl $tc bootstrap 2>&1) || echo "$out" | grep -q AlreadyExists; }`,
          ),
        ].join("\n"),
        environment: { TALOSCONFIG: secretStdout(talosconfig) },
        logging: "stdoutAndStderr",
      },
      { parent: this, dependsOn: applied.slice(0, c.controlPlanes.length) },
    );

    const kubeconfig = new command.local.Command(
      `${name}-kubeconfig`,
      {
        create: [
          pre,
          'printf \'%s\' "$TALOSCONFIG" > "$d/talosconfig"',
          `tc="--talosconfig $d/talosconfig -n ${cp1} -e ${cp1}"`,
          retry(120, `talosctl $tc kubeconfig "$d/kubeconfig" --force >/dev/null 2>&1`),
          'cat "$d/kubeconfig"',
        ].join("\n"),
        environment: { TALOSCONFIG: secretStdout(talosconfig) },
        logging: "stderr",
      },
      { ...secretOut, dependsOn: [bootstrap, ...applied] },
    );

    this.kubeconfig = secretStdout(kubeconfig);
    this.talosconfig = secretStdout(talosconfig);
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig: this.kubeconfig },
      { parent: this },
    );

    new IntentRecord(`${name}-intent`, { intent: talosIntent(c) }, { parent: this });
    for (const { m } of nodes) {
      const vm = args.vms.find((v) => v.name === m.name);
      new IntentRecord(
        `${name}-${m.name}-intent`,
        { intent: machineIntent(lab, m, vm) },
        { parent: this },
      );
    }
    this.ready = kubeconfig.stdout.apply(() => c.clusterName);
    this.registerOutputs({ ready: this.ready });
  }
}
