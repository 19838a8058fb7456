import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import {
  APPLY_SCRIPT,
  declaredState,
  observeCommand,
  renderObserveScript,
  renderStageScript,
  renderUnitBody,
  renderUnitCommand,
  stageDir,
  UnitSpec,
  unitHash,
} from "../renderers/unit-script";
import { SshEndpoint, sshConnection } from "./connection";
import { LiveState } from "../providers/live-state";
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
  /** Resources that must be done first (e.g. the host answering SSH). */
  readonly after?: pulumi.Input<pulumi.Resource>[];
}

/**
 * Copies a unit's rendered files and its apply script to the machine's stage directory, then runs
 * the script (after checking its hash): it validates, installs write-then-rename, activates and
 * verifies, rolling back on failure. The command re-runs only when the unit's content hash changes.
 * Then its LiveState looks at the machine over a new SSH connection: it confirms a guarded unit's
 * dead-man switch, verifies the files and facts, and later reports drift on refresh.
 */
export class ConfigUnit extends pulumi.ComponentResource {
  /** Resolves after the unit was applied. */
  public readonly ready: pulumi.Output<string>;
  public readonly apply: command.remote.Command;
  public readonly live: LiveState;

  constructor(name: string, args: ConfigUnitArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(TOKENS.configUnit, name, {}, opts);
    const { spec, adminUser } = args;
    const connection = sshConnection(args.target, args.privateKey);

    const staged = [...spec.files, { name: APPLY_SCRIPT, content: renderUnitBody(spec) }];
    const copies = staged.map(
      (f) =>
        new command.remote.CopyToRemote(
          `${name}-${f.name}`,
          {
            connection,
            source: new pulumi.asset.StringAsset(f.content),
            remotePath: `${stageDir(spec.unit)}/${f.name}`,
          },
          { parent: this, dependsOn: args.after ?? [] },
        ),
    );

    this.apply = new command.remote.Command(
      `${name}-apply`,
      {
        connection,
        create: renderUnitCommand(spec, adminUser),
        triggers: [unitHash(spec, adminUser)],
        logging: "stdoutAndStderr",
      },
      { parent: this, dependsOn: copies },
    );

    this.live = new LiveState(
      `${name}-live`,
      {
        connection: {
          host: args.target.host,
          port: args.target.port,
          user: args.target.user,
          privateKey: args.privateKey,
          hostKey: args.target.hostKey,
        },
        machine: spec.machine,
        unit: spec.unit,
        token: unitHash(spec, adminUser),
        applyId: this.apply.id,
        revertAfterSeconds: spec.guard?.revertAfterSeconds ?? 0,
        state: declaredState(spec),
        observeScript: renderObserveScript(spec, { confirm: false }),
        confirmScript: renderObserveScript(spec, { confirm: true }),
        observeCommand: observeCommand(adminUser),
        stageScript: renderStageScript(spec),
        applyCommand: renderUnitCommand(spec, adminUser),
      },
      { parent: this, dependsOn: [this.apply] },
    );

    this.ready = pulumi.all([this.apply.stdout, this.live.id]).apply(([stdout]) => stdout);
    this.registerOutputs({ ready: this.ready });
  }
}
