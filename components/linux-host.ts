import * as pulumi from "@pulumi/pulumi";
import type { Lab, Machine, Vm } from "../model/lab";
import { machineIntent } from "../renderers/intents";
import { guestNetworkUnit } from "../renderers/units/network";
import { sshdUnit } from "../renderers/units/ssh";
import { ConfigUnit } from "./config-unit";
import { SSH_BOOT, SSH_WAIT, sshEndpoint } from "./connection";
import { IntentRecord } from "./intent-record";
import { waitForSsh } from "./ssh-wait";
import { TOKENS } from "../model/tokens";

export interface LinuxHostArgs {
  /** The resolved lab (renderers need zones, keys and DNS). */
  readonly lab: Lab;
  /** A Debian machine (VM or host) with SSH. */
  readonly machine: Machine;
  /** The VM definition when the machine is a guest (its NICs' bridges go into the intent record). */
  readonly vm?: Vm;
  /** The deploy key (secret). */
  readonly privateKey: pulumi.Input<string>;
  /** The host key the program generated for this VM (when the inventory pins none). */
  readonly hostKey?: pulumi.Input<string>;
  /** Wait for these first (e.g. the VM being defined and started). */
  readonly after?: pulumi.Input<pulumi.Resource>[];
}

/**
 * A Debian machine: the hardened SSH baseline and its static network, applied over SSH; publishes
 * its machine intent (zone addresses, sshd settings, open ports).
 */
export class LinuxHost extends pulumi.ComponentResource {
  public readonly ready: pulumi.Output<string>;

  constructor(name: string, args: LinuxHostArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(TOKENS.linuxHost, name, {}, opts);
    const { lab, machine } = args;
    const target = sshEndpoint(machine.ssh!, args.hostKey);
    const units = [sshdUnit(lab, machine), guestNetworkUnit(machine)];
    const ssh = waitForSsh(
      name,
      target,
      args.privateKey,
      units.map((u) => u.unit),
      {
        parent: this,
        dependsOn: args.after ?? [],
      },
      args.vm ? SSH_BOOT : SSH_WAIT,
    );
    const applied = units.map(
      (spec) =>
        new ConfigUnit(
          `${name}-${spec.unit}`,
          { spec, target, privateKey: args.privateKey, adminUser: lab.adminUser, after: [ssh] },
          { parent: this },
        ),
    );
    new IntentRecord(
      `${name}-intent`,
      { intent: machineIntent(lab, machine, args.vm) },
      { parent: this },
    );
    this.ready = pulumi.all(applied.map((u) => u.ready)).apply(() => machine.name);
    this.registerOutputs({ ready: this.ready });
  }
}
