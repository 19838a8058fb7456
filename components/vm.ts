import * as pulumi from "@pulumi/pulumi";
import type { Lab, SshTarget, Vm as VmModel } from "../model/lab";
import { vmDomainUnit } from "../renderers/units/hypervisor";
import { ConfigUnit } from "./config-unit";
import { TOKENS } from "../model/tokens";

export interface VmArgs {
  readonly lab: Lab;
  readonly vm: VmModel;
  /** The hypervisor the VM runs on (SSH). */
  readonly hypervisor: SshTarget;
  /** The deploy key (secret). */
  readonly privateKey: pulumi.Input<string>;
  /** The hypervisor's network and layout being applied first. */
  readonly after: pulumi.Input<pulumi.Resource>[];
}

/**
 * A libvirt/KVM guest: rendered domain XML (NICs on the zone bridges), a disk cloned from the base
 * image once, a cloud-init seed for Debian guests; defined, set to autostart and started with virsh
 * over SSH on the hypervisor. The guest's own OS is provisioned by LinuxHost/NixosHost/TalosCluster.
 */
export class Vm extends pulumi.ComponentResource {
  /** Resolves once the domain is defined and running. */
  public readonly ready: pulumi.Output<string>;
  public readonly domain: ConfigUnit;

  constructor(name: string, args: VmArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(TOKENS.vm, name, {}, opts);
    this.domain = new ConfigUnit(
      `${name}-domain`,
      {
        spec: vmDomainUnit(args.lab, args.vm),
        target: args.hypervisor,
        privateKey: args.privateKey,
        adminUser: args.lab.adminUser,
        after: args.after,
      },
      { parent: this },
    );
    this.ready = this.domain.ready.apply(() => args.vm.name);
    this.registerOutputs({ ready: this.ready });
  }
}
