/** `homelab:cloudflare`: the public DNS zone at Cloudflare and, optionally, a tunnel. */
import type { Context } from "../context";
import { ipv4, name, shaped } from "../formats";
import type { Lab } from "../lab";
import { show } from "../messages";
import { Infer, object, opt, req } from "../schema";

const hexId = (description: string, what: string) =>
  shaped({
    description,
    format: `a 32-character hex ${what}`,
    re: /^[0-9a-f]{32}$/,
    problem: `is not a Cloudflare ${what}`,
    fix: "Copy it from the Cloudflare dashboard (the zone's overview page, API section).",
  });

export const cloudflareSchema = object(
  "Public DNS at Cloudflare (token: cloudflare:apiToken, secret).",
  {
    zone: req(
      shaped({
        description: "The Cloudflare zone (domain), e.g. example.com.",
        format: "a DNS name",
        re: /^([a-z0-9-]+\.)+[a-z]{2,}$/,
        problem: "is not a DNS name",
        fix: "Write the domain in lower case without a trailing dot, e.g. example.com.",
      }),
    ),
    zoneId: req(
      hexId("Cloudflare zone id (32 hex characters, from the zone's overview page).", "zone id"),
    ),
    accountId: opt(
      hexId("Cloudflare account id (32 hex characters); needed for a tunnel.", "account id"),
      undefined,
      "required with tunnel",
    ),
    publicAddress: opt(
      ipv4("Your public IPv4 address, for A records of port-forwarded services."),
      undefined,
      "the router's static WAN address",
    ),
    tunnel: opt(
      object("Cloudflare tunnel.", {
        connector: req(name("DMZ machine running cloudflared.")),
      }),
    ),
  },
);
export type CloudflareSpec = Infer<typeof cloudflareSchema>;

export function checkCloudflare(ctx: Context): void {
  const t = ctx.inv.cloudflare?.tunnel;
  if (!t) return;
  if (!ctx.inv.cloudflare?.accountId) {
    ctx.add(
      "homelab:cloudflare.accountId",
      `(missing) is required with a tunnel; expected a 32-character hex account id. Copy it from the Cloudflare dashboard (Account home, account id).`,
    );
  }
  const m = ctx.machineRef("homelab:cloudflare.tunnel.connector", t.connector);
  if (m && m.os === "talos") {
    ctx.add(
      "homelab:cloudflare.tunnel.connector",
      `${show(t.connector)} runs Talos; expected a debian or nixos machine (cloudflared is installed over SSH). Pick another machine.`,
    );
  }
}

export function resolveCloudflare(cf: CloudflareSpec | undefined): Lab["cloudflare"] {
  return cf
    ? {
        zone: cf.zone,
        zoneId: cf.zoneId,
        accountId: cf.accountId,
        publicAddress: cf.publicAddress,
        tunnelConnector: cf.tunnel?.connector,
      }
    : undefined;
}
