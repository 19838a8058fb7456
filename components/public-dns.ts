import * as cloudflare from "@pulumi/cloudflare";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Lab } from "../model/lab";
import { renderCloudflaredInstall } from "../renderers/cloudflared";
import { exposureIntents } from "../renderers/intents";
import { sshConnection, sshEndpoint } from "./connection";
import { IntentRecord } from "./intent-record";
import { TOKENS } from "../model/tokens";

export interface PublicDnsArgs {
  readonly lab: Lab;
  /** The deploy key (secret), for installing cloudflared on the tunnel connector. */
  readonly privateKey: pulumi.Input<string>;
  /** Host keys the program generated for VMs, by machine name. */
  readonly hostKeys?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Wait for these first (the entry hosts being provisioned). */
  readonly after?: pulumi.Input<pulumi.Resource>[];
}

/**
 * Public exposure: a Cloudflare record per public service, pointing only at the DMZ entry (the
 * router's public address for port-forwards and proxied services, the tunnel for tunnelled ones);
 * the tunnel itself with a generated secret, its ingress routes, and cloudflared installed on the
 * DMZ connector with the tunnel token. Publishes one exposure intent per public service.
 */
export class PublicDns extends pulumi.ComponentResource {
  constructor(name: string, args: PublicDnsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(TOKENS.publicDns, name, {}, opts);
    const { lab } = args;
    const cf = lab.cloudflare!;
    const exposures = exposureIntents(lab);
    const tunnelled = lab.services.filter((s) => s.exposure.kind === "tunnel");

    let tunnelTarget: pulumi.Output<string> | undefined;
    if (tunnelled.length > 0 && cf.tunnelConnector && cf.accountId) {
      const secret = new random.RandomBytes(
        `${name}-tunnel-secret`,
        { length: 32 },
        { parent: this },
      );
      const tunnel = new cloudflare.ZeroTrustTunnelCloudflared(
        `${name}-tunnel`,
        {
          accountId: cf.accountId,
          name: `${lab.domain}-homelab`,
          tunnelSecret: secret.base64,
          configSrc: "cloudflare",
        },
        { parent: this },
      );
      new cloudflare.ZeroTrustTunnelCloudflaredConfig(
        `${name}-tunnel-routes`,
        {
          accountId: cf.accountId,
          tunnelId: tunnel.id,
          config: {
            ingresses: [
              ...tunnelled.map((s) => {
                const e = s.exposure as { hostname: string };
                const port = s.ports[0]!;
                return { hostname: e.hostname, service: `http://${s.addresses[0]}:${port.port}` };
              }),
              { service: "http_status:404" },
            ],
          },
        },
        { parent: this },
      );
      const token = cloudflare.getZeroTrustTunnelCloudflaredTokenOutput(
        { accountId: cf.accountId, tunnelId: tunnel.id },
        { parent: this },
      );
      const connector = lab.machines.find((m) => m.name === cf.tunnelConnector)!;
      // A connector being adopted is only observed: cloudflared is installed once it is managed.
      if (connector.ssh?.observeOnly !== true)
        new command.remote.Command(
          `${name}-cloudflared`,
          {
            connection: sshConnection(
              sshEndpoint(connector.ssh!, args.hostKeys?.[connector.name]),
              args.privateKey,
            ),
            create: renderCloudflaredInstall(lab.adminUser, connector.name),
            stdin: pulumi.secret(token.token),
            logging: "stderr",
          },
          { parent: this, dependsOn: args.after ?? [] },
        );
      tunnelTarget = pulumi.interpolate`${tunnel.id}.cfargotunnel.com`;
    }

    for (const e of exposures) {
      if (!e.record) continue;
      const content = e.record.type === "CNAME" ? tunnelTarget : pulumi.output(e.record.content);
      if (!content) continue;
      new cloudflare.DnsRecord(
        `${name}-${e.service}`,
        {
          zoneId: cf.zoneId,
          name: e.hostname,
          type: e.record.type,
          content,
          proxied: e.record.proxied,
          ttl: 1,
          comment: `homelab-iac: service ${e.service} via ${e.via}`,
        },
        { parent: this, dependsOn: args.after ?? [] },
      );
      new IntentRecord(`${name}-${e.service}-intent`, { intent: e }, { parent: this });
    }
    this.registerOutputs({});
  }
}
