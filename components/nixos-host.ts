import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { machineIntent } from "../renderers/intents";
import { asRoot } from "../renderers/sudo";
import { nixosUnit } from "../renderers/units/nixos";
import { ConfigUnit } from "./config-unit";
import { SSH_BOOT, SSH_WAIT, sshConnection, sshEndpoint } from "./connection";
import { IntentRecord } from "./intent-record";
import { sshPort } from "./ssh-port";
import type { LinuxHostArgs } from "./linux-host";
import { TOKENS } from "../model/tokens";

/** The same arguments as a Debian host's; the machine has os nixos. */
export type NixosHostArgs = LinuxHostArgs;

/**
 * A NixOS machine: configuration.nix generated from the typed services (hardened openssh, static
 * network, firewall, MariaDB, NFS), uploaded and activated with `nixos-rebuild switch` only when it
 * changes. MariaDB users get generated passwords, set over SSH through stdin (never in the
 * world-readable Nix store) and exported as secrets.
 */
export class NixosHost extends pulumi.ComponentResource {
  public readonly ready: pulumi.Output<string>;
  /** Generated MariaDB password per database (user = database name). Secret. */
  public readonly databasePasswords: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: NixosHostArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(TOKENS.nixosHost, name, {}, opts);
    const { lab, machine } = args;
    const spec = nixosUnit(lab, machine);
    const target = sshEndpoint(machine.ssh!, args.hostKey);
    const ssh = sshPort(name, target, args.privateKey, lab.adminUser, spec, {
      parent: this,
      dependsOn: args.after ?? [],
    });
    const connection = sshConnection(target, args.privateKey);
    const nixos = new ConfigUnit(
      `${name}-${spec.unit}`,
      {
        spec,
        target,
        privateKey: args.privateKey,
        adminUser: lab.adminUser,
        after: [ssh],
        // The machine's first contact; a new VM may still be booting.
        patience: args.vm ? SSH_BOOT : SSH_WAIT,
      },
      { parent: this },
    );

    const databases = machine.nixos?.mariadb?.databases ?? [];
    const passwords: Record<string, pulumi.Output<string>> = {};
    for (const db of databases) {
      passwords[db] = new random.RandomPassword(
        `${name}-db-${db}`,
        { length: 32, special: false },
        { parent: this },
      ).result;
    }
    // A machine being adopted is only observed: no database users are set on it.
    if (databases.length > 0 && target.observeOnly !== true) {
      const sql = pulumi
        .all(passwords)
        .apply((pw) =>
          databases
            .map(
              (db) =>
                `CREATE USER IF NOT EXISTS '${db}'@'%' IDENTIFIED BY '${pw[db]}';\n` +
                `ALTER USER '${db}'@'%' IDENTIFIED BY '${pw[db]}';\n` +
                `GRANT ALL PRIVILEGES ON \`${db}\`.* TO '${db}'@'%';\n`,
            )
            .join(""),
        );
      const mysql = asRoot(
        "mysql --protocol=socket -u root",
        lab.adminUser,
        `db-users on ${machine.name}`,
      );
      new command.remote.Command(
        `${name}-db-users`,
        {
          connection,
          create: mysql,
          update: mysql,
          stdin: pulumi.secret(sql),
          triggers: [databases.join(",")],
          logging: "stderr",
        },
        { parent: this, dependsOn: [nixos] },
      );
    }
    this.databasePasswords = pulumi.secret(pulumi.all(passwords));
    // What the machine has, recorded once it has it (e.g. a new SSH port only after the move).
    new IntentRecord(
      `${name}-intent`,
      { intent: machineIntent(lab, machine, args.vm) },
      { parent: this, dependsOn: [nixos] },
    );
    this.ready = nixos.ready.apply(() => machine.name);
    this.registerOutputs({ ready: this.ready, databasePasswords: this.databasePasswords });
  }
}
