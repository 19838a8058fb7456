import * as pulumi from "@pulumi/pulumi";
import type { Lab } from "../model/lab";
import { machineIntent, versionsIntent, zonesIntent } from "../renderers/intents";
import { inWaveOrder, waveIntent, wavePredecessors } from "../renderers/waves";
import { Hypervisor } from "./hypervisor";
import { IntentRecord } from "./intent-record";
import { LinuxHost } from "./linux-host";
import { LoadBalancer } from "./load-balancer";
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
 * workloads and public DNS. Machines in a rollout wave (homelab:waves) converge one at a time, each
 * after the one before it; the others in parallel. Publishes the zone catalogue, pinned versions and
 * the waves as intent records.
 */
export class HomeLab extends pulumi.ComponentResource {
  /** Every machine's ready output, by name (resolves after its provisioning ran). */
  public readonly ready: Record<string, pulumi.Output<string>>;
  public readonly kubeconfig?: pulumi.Output<string>;
  public readonly databasePasswords: Record<string, pulumi.Output<Record<string, string>>>;
  /** SSH host keys generated for new VMs, by VM name (public halves; the private ones are secrets). */
  public readonly hostKeys: Record<string, pulumi.Output<string>>;
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
    for (const w of lab.waves)
      new IntentRecord(`${name}-wave-${w.name}`, { intent: waveIntent(w) }, child);
    // Rollout waves: a member waits for the whole component of the member before it (its units and
    // their verification); built in wave order so that one exists first.
    const built = new Map<string, pulumi.Resource>();
    const previous = wavePredecessors(lab);
    const waveAfter = (m: string) => (previous.has(m) ? [built.get(previous.get(m)!)!] : []);
    const keep = <T extends pulumi.Resource>(m: string, r: T) => (built.set(m, r), r);

    const routers = inWaveOrder(lab.routers, (r) => r.name, lab).map((r) =>
      keep(
        r.name,
        new Router(r.name, { lab, router: r, privateKey, after: waveAfter(r.name) }, child),
      ),
    );
    for (const r of lab.routers) this.ready[r.name] = (built.get(r.name) as Router).ready;

    const hypervisorsInOrder = inWaveOrder(lab.hypervisors, (h) => h.name, lab).map((h) =>
      keep(
        h.name,
        new Hypervisor(
          h.name,
          { lab, hypervisor: h, privateKey, after: [...routers, ...waveAfter(h.name)] },
          child,
        ),
      ),
    );
    const hypervisors = lab.hypervisors.map((h) => built.get(h.name) as Hypervisor);
    const provisioned: pulumi.Resource[] = [...routers, ...hypervisorsInOrder];
    lab.hypervisors.forEach((h, i) => (this.ready[h.name] = hypervisors[i]!.ready));

    const vmOf = new Map(
      lab.hypervisors.flatMap((h, i) =>
        h.vms.map((v) => [v.name, { vm: v, res: hypervisors[i]!.vms[v.name]! }]),
      ),
    );
    // Host keys the program generated for new VMs: every connection to such a guest pins it.
    const hostKeys: Record<string, pulumi.Output<string>> = {};
    for (const [vmName, v] of vmOf)
      if (v.res.hostKey && !v.vm.machine.ssh?.hostKey) hostKeys[vmName] = v.res.hostKey;
    this.hostKeys = hostKeys;
    const guests = [...lab.hypervisors.flatMap((h) => h.vms.map((v) => v.machine)), ...lab.hosts];
    for (const m of inWaveOrder(guests, (g) => g.name, lab)) {
      if (m.os === "talos") continue;
      const v = vmOf.get(m.name);
      const after = [...(v ? [v.res] : [...routers]), ...waveAfter(m.name)];
      if (m.os === "nixos") {
        const host = new NixosHost(
          m.name,
          { lab, machine: m, vm: v?.vm, privateKey, hostKey: hostKeys[m.name], after },
          child,
        );
        this.ready[m.name] = host.ready;
        this.databasePasswords[m.name] = host.databasePasswords;
        provisioned.push(keep(m.name, host));
      } else {
        const host = new LinuxHost(
          m.name,
          { lab, machine: m, vm: v?.vm, privateKey, hostKey: hostKeys[m.name], after },
          child,
        );
        this.ready[m.name] = host.ready;
        provisioned.push(keep(m.name, host));
      }
    }

    // Devices are never provisioned (no connection is ever opened to them); their intent records
    // let the policy pack see them like any other machine.
    for (const d of lab.devices) {
      new IntentRecord(`${d.name}-intent`, { intent: machineIntent(lab, d) }, child);
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
        // Something must answer for LoadBalancer addresses on bare metal: kube-vip, from the pool.
        const pool = lab.talos.loadBalancerPool;
        const lb =
          pool && onCluster.some((s) => s.kubernetes!.serviceType === "LoadBalancer")
            ? new LoadBalancer(`${name}-lb`, { pool, provider: cluster.provider }, child)
            : undefined;
        new Workloads(
          `${name}-workloads`,
          { services: onCluster, provider: cluster.provider },
          { ...child, dependsOn: lb ? [lb] : [] },
        );
      }
    }

    this.verification = new Verification(
      `${name}-verify`,
      { lab, privateKey, hostKeys, after: provisioned },
      child,
    ).results;

    if (lab.cloudflare && lab.services.some((s) => s.exposure.kind !== "internal")) {
      new PublicDns(`${name}-public`, { lab, privateKey, hostKeys, after: provisioned }, child);
    }

    this.registerOutputs({});
  }
}
