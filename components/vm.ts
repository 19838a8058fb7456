import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Lab, Vm as VmModel } from "../model/lab";
import { renderCloudInitHostKeys } from "../renderers/libvirt";
import { ed25519HostKey } from "../renderers/ssh-host-key";
import {
  generatesHostKey,
  vmDomainUnit,
  vmHostKeyCommand,
  vmRemovalCommand,
  vmRestartCommand,
} from "../renderers/units/hypervisor";
import { ConfigUnit } from "./config-unit";
import { SshEndpoint, sshConnection } from "./connection";
import { TOKENS } from "../model/tokens";

export interface VmArgs {
  readonly lab: Lab;
  readonly vm: VmModel;
  /** The hypervisor the VM runs on (SSH). */
  readonly hypervisor: SshEndpoint;
  /** The deploy key (secret). */
  readonly privateKey: pulumi.Input<string>;
  /** The hypervisor's network and layout being applied first. */
  readonly after: pulumi.Input<pulumi.Resource>[];
}

/**
 * A libvirt guest: rendered domain XML (NICs on the zone bridges), a disk cloned from the base image
 * once, a cloud-init seed for Debian guests; defined, set to autostart and started with virsh over
 * SSH on the hypervisor. The guest's own OS is provisioned by LinuxHost/NixosHost/TalosCluster.
 *
 * No trust-on-first-use: a Debian guest whose inventory pins no host key gets one generated here
 * (a 32-byte secret seed, `random.RandomBytes`, as an ed25519 key), written root-only on the
 * hypervisor, baked into the seed, and pinned by every connection to the guest (`hostKey`).
 *
 * Lifecycle: `<vm>-restart` restarts the domain when its memory, vCPUs or NICs change (a replace in
 * preview says so first); `<vm>-removal` only acts on delete: removing the VM from the inventory
 * stops and undefines it and removes its disk unless `keepDisk`.
 */
export class Vm extends pulumi.ComponentResource {
  /** Resolves once the domain is defined and running. */
  public readonly ready: pulumi.Output<string>;
  public readonly domain: ConfigUnit;
  /** The guest's pinned SSH host key: the inventory's, or the generated one (not secret). */
  public readonly hostKey?: pulumi.Output<string>;

  constructor(name: string, args: VmArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(TOKENS.vm, name, {}, opts);
    const { lab, vm } = args;
    const child = { parent: this };
    const connection = sshConnection(args.hypervisor, args.privateKey);
    const before: pulumi.Resource[] = [];
    // A hypervisor being adopted is only observed: nothing is written, started or removed on it
    // (the model requires its VMs to be observed too).
    const writes = args.hypervisor.observeOnly !== true;
    if (generatesHostKey(vm) && writes) {
      const seed = new random.RandomBytes(`${name}-host-key-seed`, { length: 32 }, child);
      const keys = seed.base64.apply((b64) =>
        ed25519HostKey(Buffer.from(b64, "base64"), `root@${vm.name}`),
      );
      // The public half is public: unwrapped so that it can be pinned and shown.
      this.hostKey = pulumi.unsecret(keys.apply((k) => k.publicKey));
      const write = vmHostKeyCommand(vm, lab.adminUser);
      before.push(
        new command.remote.Command(
          `${name}-host-key`,
          {
            connection,
            create: write.create,
            delete: write.delete,
            stdin: pulumi.secret(keys.apply(renderCloudInitHostKeys)),
          },
          { parent: this, dependsOn: args.after },
        ),
      );
    } else if (vm.machine.ssh?.hostKey) {
      this.hostKey = pulumi.output(vm.machine.ssh.hostKey);
    }
    this.domain = new ConfigUnit(
      `${name}-domain`,
      {
        spec: vmDomainUnit(lab, vm),
        target: args.hypervisor,
        privateKey: args.privateKey,
        adminUser: lab.adminUser,
        after: [...args.after, ...before],
      },
      child,
    );
    const restart = writes
      ? new command.remote.Command(
          `${name}-restart`,
          { connection, ...vmRestartCommand(vm, lab.adminUser), logging: "stdoutAndStderr" },
          { parent: this, dependsOn: [this.domain] },
        )
      : undefined;
    if (writes)
      new command.remote.Command(
        `${name}-removal`,
        { connection, ...vmRemovalCommand(vm, lab.adminUser) },
        { parent: this, dependsOn: [this.domain] },
      );
    this.ready = pulumi.all([this.domain.ready, restart?.stdout]).apply(() => vm.name);
    this.registerOutputs({ ready: this.ready, hostKey: this.hostKey });
  }
}
