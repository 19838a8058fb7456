/** `homelab:cloudflare`: the public DNS zone at Cloudflare and, optionally, a tunnel. */
import type { Context } from "../context";
import { ipv4, name } from "../formats";
import type { Lab } from "../lab";
import { show } from "../messages";
import { Infer, object, opt, req, str } from "../schema";

const hexId = (description: string, what: string) =>
  str({
    description,
    format: `a 32-character hex ${what}`,
    check: (v) => (/^[0-9a-f]{32}$/.test(v) ? undefined : `is not a Cloudflare ${what}`),
  });

export const cloudflareSchema = object(
  "Public DNS at Cloudflare (token: cloudflare:apiToken, secret).",
  {
    zone: req(
      str({
        description: "The Cloudflare zone (domain), e.g. example.com.",
        format: "a DNS name",
        check: (v) => (/^([a-z0-9-]+\.)+[a-z]{2,}$/.test(v) ? undefined : "is not a DNS name"),
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
