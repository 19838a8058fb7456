import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { STAGE_ROOT } from "../renderers/unit-script";
import { SSH_BOOT, SSH_WAIT, SshEndpoint, sshConnection } from "./connection";

/**
 * The first step on every SSH host: wait (bounded: SSH_WAIT dial attempts) until it answers with the
 * pinned host key, then create the stage directories its units copy into. Re-runs when the set of
 * units changes, so a new unit always finds its directory.
 */
export function waitForSsh(
  name: string,
  target: SshEndpoint,
  privateKey: pulumi.Input<string>,
  units: readonly string[],
  opts: pulumi.CustomResourceOptions,
  patience: typeof SSH_WAIT | typeof SSH_BOOT = SSH_WAIT,
): command.remote.Command {
  const dirs = [...units].sort().map((u) => `${STAGE_ROOT}/${u}`);
  return new command.remote.Command(
    `${name}-ssh`,
    {
      connection: sshConnection(target, privateKey, patience),
      create: `set -eu; umask 077; mkdir -p ${dirs.join(" ")}; uname -n`,
      triggers: [dirs.join(",")],
    },
    opts,
  );
}
