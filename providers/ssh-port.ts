import * as pulumi from "@pulumi/pulumi";
import { observerInput, parseObservation, unpackScript } from "./live-state";
import { SshConn, sshRun } from "./ssh";

/**
 * SshPort: a machine's SSH port as the deployer last reached it. Every unit of the machine waits
 * for it; it contacts the machine only when the declared port changes (a no-op run opens nothing).
 *
 * A port change cannot be made over the new port — sshd is not there yet. So on a change, update:
 *   1. applies the unit that sets sshd's port (the SSH baseline, or the NixOS configuration) over
 *      the OLD port (its dead-man switch armed);
 *   2. confirms over a NEW connection on the NEW port — only that proves the deployer can come back;
 *      if it fails the machine returns to the old port by itself when the switch fires;
 *   3. records the new port (then the units, their commands and the machine's intent record use it).
 * If a step fails, the resource keeps the old port, so the next run tries again from the old port.
 * create records the declared port (where sshd must listen when a machine is first managed).
 */

export interface SshPortInputs {
  /** The connection with the DECLARED port. */
  readonly connection: SshConn;
  readonly machine: string;
  /** The unit that sets the port, and how to apply it and confirm its switch (packed scripts). */
  readonly unit: string;
  readonly port: number;
  readonly revertAfterSeconds: number;
  readonly applyCommand: string;
  readonly applyScript: string;
  readonly observeCommand: string;
  readonly observeScript: string;
  /** The machine is only observed (adoption): a port change is recorded, never applied. */
  readonly observeOnly?: boolean;
}

/** Moves sshd from `from` to the declared port (see the module comment); throws naming the machine. */
export async function movePort(i: SshPortInputs, from: number): Promise<void> {
  const who = `homelab: ${i.unit} on ${i.machine}: moving SSH from port ${from} to ${i.port}`;
  const old = { ...i.connection, port: from };
  const applied = await sshRun(old, i.applyCommand, unpackScript(i.applyScript));
  if (applied.code !== 0) {
    const cause = (applied.stderr || applied.stdout).trim() || `exit ${applied.code}`;
    throw new Error(`${who}: applying over port ${from} failed: ${cause}`);
  }
  const armed = parseObservation(applied.stdout)["@armed"] ?? "any";
  const r = await sshRun(i.connection, i.observeCommand, observerInput(i.observeScript, armed), {
    fresh: true,
    timeoutMs: Math.max(10, i.revertAfterSeconds / 2) * 1000,
  });
  const confirm = r.code === 0 ? parseObservation(r.stdout)["@confirm"] : undefined;
  if (confirm !== "confirmed") {
    const why =
      r.code === 0
        ? `the confirmation found the switch ${confirm ?? "missing"}`
        : r.stderr.trim() || `ssh exited with ${r.code}`;
    throw new Error(
      `${who}: the change was applied over port ${from}, but a new SSH connection to ${i.connection.user}@${i.connection.host}:${i.port} did not confirm it (${why}). ` +
        `${i.machine} returns to port ${from} by itself within ${i.revertAfterSeconds} s of the apply (dead-man switch). ` +
        `Make sure the new port is reachable (firewalls, flows), then run pulumi up again.`,
    );
  }
}

const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: SshPortInputs) {
    return Promise.resolve({ id: inputs.machine, outs: inputs });
  },
  async diff(_id: string, olds: SshPortInputs, news: SshPortInputs) {
    return Promise.resolve({ changes: olds.port !== news.port });
  },
  async update(_id: string, olds: SshPortInputs, news: SshPortInputs) {
    if (olds.port !== news.port && !news.observeOnly) await movePort(news, olds.port);
    return { outs: news };
  },
  async delete() {
    return Promise.resolve();
  },
};

export type SshPortArgs = Omit<SshPortInputs, "connection"> & {
  readonly connection: Omit<SshConn, "privateKey" | "hostKey"> & {
    readonly privateKey: pulumi.Input<string>;
    /** A generated host key (a new VM's) is known only once its seed exists. */
    readonly hostKey: pulumi.Input<string>;
  };
};

/** The SSH port of one machine (see the module comment). */
export class SshPort extends pulumi.dynamic.Resource {
  declare public readonly port: pulumi.Output<number>;

  constructor(name: string, args: SshPortArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      provider,
      name,
      { ...args, connection: pulumi.secret(args.connection) },
      { ...opts, additionalSecretOutputs: ["connection"] },
      "homelab",
      "SshPort",
    );
  }
}
