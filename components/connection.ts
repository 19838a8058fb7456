import * as pulumi from "@pulumi/pulumi";
import type * as command from "@pulumi/command";
import type { SshTarget } from "../model/lab";

/** How long to keep trying to reach a host: the first step of each host waits this long at most. */
export const SSH_WAIT = { dialErrorLimit: 30, perDialTimeout: 10 } as const;
/**
 * A VM's first answer: it may be booting (cloud-init's first boot, or an emulated CPU) — up to about
 * ten minutes of attempts (the provider waits at most 5 s between them), still bounded.
 */
export const SSH_BOOT = { dialErrorLimit: 120, perDialTimeout: 10 } as const;
/** Later steps of a host that already answered. */
export const SSH_STEP = { dialErrorLimit: 5, perDialTimeout: 10 } as const;

/**
 * Where the deployer connects: the model's target with its host key as the program knows it — the
 * key pinned in the inventory, or else the one it generated for a new VM (an output, see
 * components/vm.ts). The inventory's key always wins.
 */
export type SshEndpoint = Omit<SshTarget, "hostKey"> & { readonly hostKey: pulumi.Input<string> };

export function sshEndpoint(target: SshTarget, generated?: pulumi.Input<string>): SshEndpoint {
  const hostKey = target.hostKey ?? generated;
  if (hostKey === undefined) {
    throw new Error(
      `no host key for ${target.host}: the inventory pins none and the program generated none (only Debian VMs get a generated key)`,
    );
  }
  return { ...target, hostKey };
}

/**
 * An SSH connection: key-only (the deploy key, a secret) and the host key pinned. There is no way to
 * pass a password here on purpose.
 */
export function sshConnection(
  target: SshEndpoint,
  privateKey: pulumi.Input<string>,
  patience: { readonly dialErrorLimit: number; readonly perDialTimeout: number } = SSH_STEP,
): command.types.input.remote.ConnectionArgs {
  return {
    host: target.host,
    port: target.port,
    user: target.user,
    privateKey: pulumi.secret(privateKey),
    hostKey: target.hostKey,
    dialErrorLimit: patience.dialErrorLimit,
    perDialTimeout: patience.perDialTimeout,
  };
}
