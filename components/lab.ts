import * as pulumi from "@pulumi/pulumi";
import type { Lab } from "../model/lab";
import { versionsIntent, zonesIntent } from "../renderers/intents";
import { Hypervisor } from "./hypervisor";
import { IntentRecord } from "./intent-record";
import { LinuxHost } from "./linux-host";
import { NixosHost } from "./nixos-host";
import { PublicDns } from "./public-dns";
import { Router } from "./router";
import { TalosCluster } from "./talos-cluster";
import { TOKENS } from "../model/tokens";
import { Verification } from "./verification";
import { Workloads } from "./workloads";

export interface HomeLabArgs {
  /** The validated, resolved inventory. */
  readonly lab: Lab;
  /** The deployer's SSH private key (secret). */
  readonly privateKey: pulumi.Input<string>;
  /** An existing Talos cluster's secrets bundle (secret), to adopt it. @default generated once */
  readonly talosSecrets?: pulumi.Input<string>;
}

/**
 * The whole lab, wired in dependency order: routers first (they carry every VLAN), then hypervisors
 * and their VMs, then the guests' operating systems (Debian over SSH, NixOS, Talos), then Kubernetes
 * workloads and public DNS. Publishes the zone catalogue and pinned versions as intent records.
 */
export class HomeLab extends pulumi.ComponentResource {
  /** Every machine's ready output, by name (resolves after its provisioning ran). */
  public readonly ready: Record<string, pulumi.Output<string>>;
  public readonly kubeconfig?: pulumi.Output<string>;
  public readonly databasePasswords: Record<string, pulumi.Output<Record<string, string>>>;
  /** Post-apply reachability checks: vantage machine → results. */
  public readonly verification: pulumi.Output<Record<string, string[]>>;

  constructor(name: string, args: HomeLabArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(TOKENS.lab, name, {}, opts);
    const { lab, privateKey } = args;
    const child = { parent: this };
    this.ready = {};
    this.databasePasswords = {};

    new IntentRecord(`${name}-zones`, { intent: zonesIntent(lab) }, child);
    new IntentRecord(`${name}-versions`, { intent: versionsIntent(lab) }, child);

    const routers = lab.routers.map(
      (r) => new Router(r.name, { lab, router: r, privateKey }, child),
    );
    for (const [i, r] of routers.entries()) this.ready[lab.routers[i]!.name] = r.ready;

    const hypervisors = lab.hypervisors.map(
      (h) => new Hypervisor(h.name, { lab, hypervisor: h, privateKey, after: routers }, child),
    );
    const provisioned: pulumi.Resource[] = [...routers, ...hypervisors];
    lab.hypervisors.forEach((h, i) => (this.ready[h.name] = hypervisors[i]!.ready));

    const vmOf = new Map(
      lab.hypervisors.flatMap((h, i) =>
        h.vms.map((v) => [v.name, { vm: v, res: hypervisors[i]!.vms[v.name]! }]),
      ),
    );
    const guests = [...lab.hypervisors.flatMap((h) => h.vms.map((v) => v.machine)), ...lab.hosts];
    for (const m of guests) {
      if (m.os === "talos") continue;
      const v = vmOf.get(m.name);
      const after = v ? [v.res] : [...routers];
      if (m.os === "nixos") {
        const host = new NixosHost(
          m.name,
          { lab, machine: m, vm: v?.vm, privateKey, after },
          child,
        );
        this.ready[m.name] = host.ready;
        this.databasePasswords[m.name] = host.databasePasswords;
        provisioned.push(host);
      } else {
        const host = new LinuxHost(
          m.name,
          { lab, machine: m, vm: v?.vm, privateKey, after },
          child,
        );
        this.ready[m.name] = host.ready;
        provisioned.push(host);
      }
    }

    if (lab.talos) {
      const nodes = [...lab.talos.controlPlanes, ...lab.talos.workers];
      const onCluster = lab.services.filter((s) => s.kubernetes);
      const cluster = new TalosCluster(
        lab.talos.clusterName,
        {
          lab,
          cluster: lab.talos,
          vms: nodes.flatMap((n) => (vmOf.has(n.name) ? [vmOf.get(n.name)!.vm] : [])),
          after: nodes.flatMap((n) => (vmOf.has(n.name) ? [vmOf.get(n.name)!.res] : [...routers])),
          secrets: args.talosSecrets,
          kubernetesProvider: onCluster.length > 0,
        },
        child,
      );
      this.ready[lab.talos.clusterName] = cluster.ready;
      this.kubeconfig = cluster.kubeconfig;
      if (cluster.provider) {
        new Workloads(
          `${name}-workloads`,
          { services: onCluster, provider: cluster.provider },
          child,
        );
      }
    }

    this.verification = new Verification(
      `${name}-verify`,
      { lab, privateKey, after: provisioned },
      child,
    ).results;

    if (lab.cloudflare && lab.services.some((s) => s.exposure.kind !== "internal")) {
      new PublicDns(`${name}-public`, { lab, privateKey, after: provisioned }, child);
    }

    this.registerOutputs({});
  }
}
