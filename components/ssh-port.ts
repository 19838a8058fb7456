import * as pulumi from "@pulumi/pulumi";
import { renderUnitBundle, UNIT_COMMAND } from "../renderers/unit-bundle";
import { observeCommand, renderObserveScript } from "../renderers/unit-live";
import type { UnitSpec } from "../renderers/unit-script";
import { packScript } from "../providers/live-state";
import { SshPort } from "../providers/ssh-port";
import type { SshEndpoint } from "./connection";

/**
 * The first step of every SSH host: its SshPort (providers/ssh-port.ts), which moves sshd to a newly
 * declared port over the old one. Every unit of the machine waits for it; it opens no connection
 * unless the port changed.
 */
export function sshPort(
  name: string,
  target: SshEndpoint,
  privateKey: pulumi.Input<string>,
  adminUser: string,
  spec: UnitSpec,
  opts: pulumi.CustomResourceOptions,
): SshPort {
  if (!spec.setsSshPort)
    throw new Error(`unit ${spec.unit} on ${spec.machine} does not set sshd's port`);
  return new SshPort(
    `${name}-ssh-port`,
    {
      connection: {
        host: target.host,
        port: target.port,
        user: target.user,
        privateKey,
        hostKey: target.hostKey,
      },
      machine: spec.machine,
      unit: spec.unit,
      port: target.port,
      revertAfterSeconds: spec.guard?.revertAfterSeconds ?? 0,
      applyCommand: UNIT_COMMAND,
      applyScript: packScript(renderUnitBundle(spec, adminUser)),
      observeCommand: observeCommand(spec, adminUser),
      observeScript: packScript(renderObserveScript(spec)),
      ...(target.observeOnly ? { observeOnly: true } : {}),
    },
    opts,
  );
}
