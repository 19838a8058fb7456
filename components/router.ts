import * as pulumi from "@pulumi/pulumi";
import type { Lab, Router as RouterModel } from "../model/lab";
import { machineIntent, routerIntent } from "../renderers/intents";
import { routerNetworkUnit } from "../renderers/units/network";
import { dnsUnit, firewallUnit } from "../renderers/units/router";
import { sshdUnit } from "../renderers/units/ssh";
import { ConfigUnit } from "./config-unit";
import { sshEndpoint } from "./connection";
import { IntentRecord } from "./intent-record";
import { sshPort } from "./ssh-port";
import { TOKENS } from "../model/tokens";

export interface RouterArgs {
  readonly lab: Lab;
  readonly router: RouterModel;
  /** The deploy key (secret). */
  readonly privateKey: pulumi.Input<string>;
  /** Wait for these first (the router before it in a rollout wave). */
  readonly after?: pulumi.Input<pulumi.Resource>[];
}

/**
 * A Linux router: SSH baseline, zone VLAN interfaces and WAN, the nftables ruleset (default-deny
 * forwarding, exactly the declared flows, NAT, declared port-forwards) and dnsmasq (DHCP and the
 * internal DNS zone). Order: network, then firewall, then DNS. Publishes machine and router intents.
 */
export class Router extends pulumi.ComponentResource {
  public readonly ready: pulumi.Output<string>;

  constructor(name: string, args: RouterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(TOKENS.router, name, {}, opts);
    const { lab, router } = args;
    const m = router.machine;
    const target = sshEndpoint(m.ssh!);
    const specs = [
      sshdUnit(lab, m),
      routerNetworkUnit(lab, router),
      firewallUnit(lab, router),
      dnsUnit(lab, router),
    ];
    const ssh = sshPort(name, target, args.privateKey, lab.adminUser, specs[0]!, {
      parent: this,
      dependsOn: args.after ?? [],
    });
    const unit = (i: number, after: pulumi.Resource[]) =>
      new ConfigUnit(
        `${name}-${specs[i]!.unit}`,
        {
          spec: specs[i]!,
          target,
          privateKey: args.privateKey,
          adminUser: lab.adminUser,
          after,
        },
        { parent: this },
      );
    const sshd = unit(0, [ssh]);
    const network = unit(1, [ssh]);
    const firewall = unit(2, [network]);
    const dns = unit(3, [network]);
    // What the machine has, recorded once it has it (e.g. a new SSH port only after the move).
    new IntentRecord(
      `${name}-intent`,
      { intent: machineIntent(lab, m) },
      { parent: this, dependsOn: [sshd] },
    );
    new IntentRecord(
      `${name}-router-intent`,
      { intent: routerIntent(lab, router) },
      { parent: this },
    );
    this.ready = pulumi.all([sshd.ready, firewall.ready, dns.ready]).apply(() => router.name);
    this.registerOutputs({ ready: this.ready });
  }
}
