import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { bundleHash, renderUnitBundle, UNIT_COMMAND } from "../renderers/unit-bundle";
import { declaredState, observeCommand, renderObserveScript } from "../renderers/unit-live";
import type { UnitSpec } from "../renderers/unit-script";
import { SSH_WAIT, SshEndpoint, sshConnection } from "./connection";
import { LiveState, OBSERVE_ONLY, packScript } from "../providers/live-state";
import { TOKENS } from "../model/tokens";

export interface ConfigUnitArgs {
  /** The rendered unit: files, validation, activation. */
  readonly spec: UnitSpec;
  /** The machine: reached key-only with its pinned host key, by the commands and the observer. */
  readonly target: SshEndpoint;
  /** The deploy key (secret). */
  readonly privateKey: pulumi.Input<string>;
  /** Login user (root, or a user with passwordless sudo). */
  readonly adminUser: string;
  /** Resources that must be done first (the machine's SshPort, units this one builds on). */
  readonly after?: pulumi.Input<pulumi.Resource>[];
  /**
   * How long the unit's command keeps dialling: SSH_WAIT by default (a machine's units are its first
   * contact); SSH_BOOT for a new VM's first unit, which may still be booting.
   */
  readonly patience?: { readonly dialErrorLimit: number; readonly perDialTimeout: number };
}

/**
 * One unit on one machine: a single remote command (one SSH session) whose stdin carries the
 * unit's files and scripts; it stages them, validates, installs all or nothing, activates and
 * verifies (renderers/unit-script.ts). It re-runs only when the unit's content hash changes, and as
 * the machine's first contact it waits for SSH (bounded dial retries). Then its LiveState confirms a
 * guarded unit's dead-man switch over a new connection and checks the machine against the declared
 * state (an unguarded unit's check comes from the apply's own output), and later reports drift on
 * refresh.
 */
export class ConfigUnit extends pulumi.ComponentResource {
  /** Resolves after the unit was applied and verified. */
  public readonly ready: pulumi.Output<string>;
  /** Absent while the machine is only observed (adoption). */
  public readonly apply?: command.remote.Command;
  public readonly live: LiveState;

  constructor(name: string, args: ConfigUnitArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(TOKENS.configUnit, name, {}, opts);
    const { spec, adminUser, target } = args;
    const bundle = renderUnitBundle(spec, adminUser);
    const hash = bundleHash(bundle);

    // A machine being adopted (ssh.observeOnly) gets no apply: its LiveState only records what is
    // there, so that the preview after adoption shows live → declared (README: Adopting).
    const observeOnly = target.observeOnly === true;
    this.apply = observeOnly
      ? undefined
      : new command.remote.Command(
          `${name}-apply`,
          {
            connection: sshConnection(target, args.privateKey, args.patience ?? SSH_WAIT),
            create: UNIT_COMMAND,
            stdin: bundle,
            triggers: [hash],
            // stderr is the unit's messages; stdout its records for the LiveState (not for the log).
            logging: "stderr",
          },
          { parent: this, dependsOn: args.after ?? [] },
        );

    this.live = new LiveState(
      `${name}-live`,
      {
        connection: {
          host: target.host,
          port: target.port,
          user: target.user,
          privateKey: args.privateKey,
          hostKey: target.hostKey,
        },
        machine: spec.machine,
        unit: spec.unit,
        token: hash,
        applyId: this.apply?.id ?? OBSERVE_ONLY,
        applyOutput: this.apply?.stdout,
        ...(observeOnly ? { observeOnly: true } : {}),
        revertAfterSeconds: spec.guard?.revertAfterSeconds ?? 0,
        state: declaredState(spec),
        observeScript: packScript(renderObserveScript(spec)),
        observeCommand: observeCommand(spec, adminUser),
        applyCommand: UNIT_COMMAND,
        applyScript: packScript(bundle),
      },
      { parent: this, dependsOn: this.apply ? [this.apply] : (args.after ?? []) },
    );

    this.ready = this.live.id.apply(() => spec.unit);
    this.registerOutputs({ ready: this.ready });
  }
}
