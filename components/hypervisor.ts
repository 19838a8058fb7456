import * as pulumi from "@pulumi/pulumi";
import type { Hypervisor as HypervisorModel, Lab } from "../model/lab";
import { hypervisorIntent, machineIntent } from "../renderers/intents";
import { hypervisorLayoutUnit } from "../renderers/units/hypervisor";
import { hypervisorNetworkUnit } from "../renderers/units/network";
import { sshdUnit } from "../renderers/units/ssh";
import { ConfigUnit } from "./config-unit";
import { sshEndpoint } from "./connection";
import { IntentRecord } from "./intent-record";
import { waitForSsh } from "./ssh-wait";
import { TOKENS } from "../model/tokens";
import { Vm } from "./vm";

export interface HypervisorArgs {
  readonly lab: Lab;
  readonly hypervisor: HypervisorModel;
  /** The deploy key (secret). */
  readonly privateKey: pulumi.Input<string>;
  /** Wait for these first (e.g. the router, so the VLANs route). */
  readonly after?: pulumi.Input<pulumi.Resource>[];
}

/**
 * A KVM hypervisor kept minimal and identical to its siblings: SSH baseline; trunk with the
 * management address; per guest zone a VLAN sub-interface and a bridge with no address (seed 003);
 * the same sysctl and directory layout everywhere; and its VMs as children. Publishes machine and
 * hypervisor intents.
 */
export class Hypervisor extends pulumi.ComponentResource {
  public readonly ready: pulumi.Output<string>;
  public readonly vms: Record<string, Vm>;

  constructor(name: string, args: HypervisorArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(TOKENS.hypervisor, name, {}, opts);
    const { lab, hypervisor: h } = args;
    const m = h.machine;
    const target = sshEndpoint(m.ssh!);
    const specs = [sshdUnit(lab, m), hypervisorNetworkUnit(h), hypervisorLayoutUnit(h)];
    const vmUnits = h.vms.map((v) => `vm-${v.name}`);
    const ssh = waitForSsh(
      name,
      target,
      args.privateKey,
      [...specs.map((s) => s.unit), ...vmUnits],
      {
        parent: this,
        dependsOn: args.after ?? [],
      },
    );
    const [sshd, network, layout] = specs.map(
      (spec) =>
        new ConfigUnit(
          `${name}-${spec.unit}`,
          {
            spec,
            target,
            privateKey: args.privateKey,
            adminUser: lab.adminUser,
            after: [ssh],
          },
          { parent: this },
        ),
    ) as [ConfigUnit, ConfigUnit, ConfigUnit];
    this.vms = {};
    for (const vm of h.vms) {
      this.vms[vm.name] = new Vm(
        vm.name,
        {
          lab,
          vm,
          hypervisor: target,
          privateKey: args.privateKey,
          after: [network, layout],
        },
        { parent: this },
      );
    }
    new IntentRecord(`${name}-intent`, { intent: machineIntent(lab, m) }, { parent: this });
    new IntentRecord(
      `${name}-hypervisor-intent`,
      { intent: hypervisorIntent(h) },
      { parent: this },
    );
    this.ready = pulumi.all([sshd.ready, network.ready, layout.ready]).apply(() => h.name);
    this.registerOutputs({ ready: this.ready });
  }
}
