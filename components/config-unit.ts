import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import {
  APPLY_SCRIPT,
  renderUnitBody,
  renderUnitCommand,
  stageDir,
  UnitSpec,
  unitHash,
} from "../renderers/unit";
import { TOKENS } from "./tokens";

export interface ConfigUnitArgs {
  /** The rendered unit: files, validation, activation. */
  readonly spec: UnitSpec;
  /** Key-only, host-key-pinned connection to the machine. */
  readonly connection: command.types.input.remote.ConnectionArgs;
  /** Login user (root, or a user with passwordless sudo). */
  readonly adminUser: string;
  /** Resources that must be done first (e.g. the host answering SSH). */
  readonly after?: pulumi.Input<pulumi.Resource>[];
}

/**
 * Copies a unit's rendered files and its apply script to the machine's stage directory, then runs
 * the script (after checking its hash): it validates, installs write-then-rename, activates and
 * verifies, rolling back on failure. The command re-runs only when the unit's content hash changes.
 */
export class ConfigUnit extends pulumi.ComponentResource {
  /** Resolves after the unit was applied. */
  public readonly ready: pulumi.Output<string>;
  public readonly apply: command.remote.Command;

  constructor(name: string, args: ConfigUnitArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(TOKENS.configUnit, name, {}, opts);
    const { spec, connection, adminUser } = args;

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

    this.ready = this.apply.stdout;
    this.registerOutputs({ ready: this.ready });
  }
}
