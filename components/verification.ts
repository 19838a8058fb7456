import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { Lab } from "../model/lab";
import { planProbes, PROBE_COMMAND, renderProbeScript } from "../renderers/probes";
import { unitHash } from "../renderers/unit-bundle";
import { sha256 } from "../renderers/unit-script";
import { firewallUnit } from "../renderers/units/router";
import { sshConnection, sshEndpoint } from "./connection";
import { TOKENS } from "../model/tokens";

export interface VerificationArgs {
  readonly lab: Lab;
  /** The deploy key (secret). */
  readonly privateKey: pulumi.Input<string>;
  /** Host keys the program generated for VMs, by machine name. */
  readonly hostKeys?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Everything that must have converged first (routers, hypervisors, hosts). */
  readonly after: pulumi.Input<pulumi.Resource>[];
}

/**
 * Post-apply reachability checks from inside the zones (renderers/probes.ts): one command per
 * vantage machine, run after the lab converged and again whenever the probes or a router's
 * ruleset change. A failed check fails the update with a message naming the vantage and the check;
 * the results (`ok`/`FAIL` lines) are the `results` output.
 */
export class Verification extends pulumi.ComponentResource {
  /** Vantage machine → its probe results, one line per check. */
  public readonly results: pulumi.Output<Record<string, string[]>>;

  constructor(name: string, args: VerificationArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(TOKENS.verification, name, {}, opts);
    const { lab } = args;
    // The probes' verdicts depend on the loaded rulesets: re-run when one changes.
    const rulesets = lab.routers.map((r) => unitHash(firewallUnit(lab, r), lab.adminUser));
    const byName = new Map(lab.machines.map((m) => [m.name, m]));
    // The probes check the declared lab: while a machine is being adopted (only observed), the lab
    // is not as declared yet, so none run.
    const adopting = lab.machines.filter((m) => m.ssh?.observeOnly === true).map((m) => m.name);
    if (adopting.length > 0)
      void pulumi.log.info(
        `homelab: reachability probes skipped while ${adopting.join(", ")} ${adopting.length > 1 ? "are" : "is"} only observed (ssh.observeOnly)`,
        this,
      );
    const commands = (adopting.length > 0 ? [] : planProbes(lab)).map((plan) => {
      const machine = byName.get(plan.vantage)!;
      const connection = sshConnection(
        sshEndpoint(machine.ssh!, args.hostKeys?.[machine.name]),
        args.privateKey,
      );
      const script = renderProbeScript(plan);
      // One session: the script on stdin; a failure reads `running "bash -s": FAIL <check>`.
      const cmd = new command.remote.Command(
        `${plan.vantage}-probes`,
        {
          connection,
          create: PROBE_COMMAND,
          stdin: script,
          triggers: [sha256(script), ...rulesets],
          logging: "stdoutAndStderr",
        },
        { parent: this, dependsOn: args.after },
      );
      return [
        plan.vantage,
        cmd.stdout.apply((s) => (s ?? "").split("\n").filter(Boolean)),
      ] as const;
    });
    this.results = pulumi.all(Object.fromEntries(commands));
    this.registerOutputs({ results: this.results });
  }
}
