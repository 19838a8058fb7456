/** A service's `public` section: how it faces the internet (port-forward, tunnel or a proxy). */
import type { Context } from "../context";
import { DNS_NAME_RE, ipv4, name, shaped } from "../formats";
import type { Exposure } from "../lab";
import { show } from "../messages";
import { bool, Infer, object, oneOf, opt, req } from "../schema";
import type { ServiceSpec } from "./services";

export const publicSchema = object("Internet exposure.", {
  hostname: req(
    shaped({
      description: "Public DNS name (a Cloudflare record in homelab:cloudflare.zone).",
      format: "a DNS name",
      re: DNS_NAME_RE,
      problem: "is not a DNS name",
      fix: "Write it in lower case without a trailing dot, e.g. www.example.com.",
    }),
  ),
  via: req(
    oneOf(["port-forward", "tunnel", "proxy"] as const, {
      description:
        "port-forward: a router port-forward targets this service; tunnel: Cloudflare tunnel; proxy: served through the reverse-proxy service named in `proxy`.",
    }),
  ),
  proxy: opt(name("Reverse-proxy service (when via is proxy).")),
  proxied: opt(bool({ description: "Cloudflare proxy (orange cloud) on the record." }), true),
  recordAddress: opt(
    ipv4("Publish this address instead of the router's public address (another public IP)."),
    undefined,
    "homelab:cloudflare.publicAddress or the router's static WAN address",
  ),
});
export type PublicSpec = Infer<typeof publicSchema>;

export function checkPublic(ctx: Context, name: string, s: ServiceSpec): void {
  const path = `homelab:services.${name}.public`;
  const pub = s.public!;
  const cf = ctx.inv.cloudflare;
  if (!cf) {
    if (ctx.inv.failed.has("cloudflare")) return;
    ctx.add(
      `${path}.hostname`,
      `${show(pub.hostname)} needs a public DNS zone but homelab:cloudflare is not set; expected homelab:cloudflare with zone and zoneId. Add it.`,
    );
  } else if (pub.hostname !== cf.zone && !pub.hostname.endsWith(`.${cf.zone}`)) {
    ctx.add(
      `${path}.hostname`,
      `${show(pub.hostname)} is outside the Cloudflare zone ${cf.zone}; expected a name ending in .${cf.zone}. Fix the hostname.`,
    );
  }
  if (pub.via === "proxy") {
    if (!pub.proxy) {
      ctx.add(
        `${path}.proxy`,
        `(missing) is required when via is proxy; expected a reverse-proxy service name. Add proxy.`,
      );
    } else if (pub.proxy === name) {
      ctx.add(
        `${path}.proxy`,
        `${show(pub.proxy)} is this service itself; expected another service. Use via: port-forward instead.`,
      );
    } else {
      const p = ctx.serviceRef(`${path}.proxy`, pub.proxy);
      if (p && (!p.public || p.public.via === "proxy")) {
        ctx.add(
          `${path}.proxy`,
          `${show(pub.proxy)} is not itself public via port-forward or tunnel; expected a reverse proxy reachable from the internet. Give homelab:services.${pub.proxy} a public section with via port-forward or tunnel.`,
        );
      }
    }
  } else if (pub.proxy) {
    ctx.add(
      `${path}.proxy`,
      `is set but via is ${pub.via}; expected no proxy. Remove proxy or set via: proxy.`,
    );
  }
  if (pub.via === "port-forward") {
    const forwarded = Object.values(ctx.inv.routers ?? {}).some((r) =>
      (r.portForwards ?? []).some((pf) => pf.service === name),
    );
    if (!forwarded && ctx.inv.routers && !ctx.incomplete("homelab:routers")) {
      ctx.add(
        `${path}.via`,
        `"port-forward" but no router forwards a port to ${name}; expected a matching homelab:routers.<router>.portForwards entry. Add one or change via.`,
      );
    }
    if (!pub.recordAddress && !cf?.publicAddress) {
      const staticWan = Object.values(ctx.inv.routers ?? {}).find(
        (r) => r.wan && r.wan.address !== "dhcp",
      );
      if (!staticWan && !ctx.incomplete("homelab:routers")) {
        ctx.add(
          `${path}.via`,
          `"port-forward" needs a public address for the DNS record, but the WAN uses DHCP and none is set; expected homelab:cloudflare.publicAddress. Set it to your public IPv4 address.`,
        );
      }
    }
  }
  if (pub.via === "tunnel" && !cf?.tunnel) {
    ctx.add(
      `${path}.via`,
      `"tunnel" but homelab:cloudflare.tunnel is not set; expected a tunnel connector. Add homelab:cloudflare.tunnel.connector.`,
    );
  }
}

/** How a service is exposed; `defaultPublic` is the address port-forwarded records publish. */
export function exposureOf(
  services: Readonly<Record<string, ServiceSpec>>,
  name: string,
  s: ServiceSpec,
  defaultPublic: string | undefined,
): Exposure {
  const pub = s.public;
  if (!pub) return { kind: "internal" };
  if (pub.via === "proxy") {
    const proxy = services[pub.proxy!]!;
    return {
      kind: "proxy",
      hostname: pub.hostname,
      proxied: pub.proxied,
      entryService: pub.proxy!,
      recordAddress:
        pub.recordAddress ??
        (proxy.public?.via === "port-forward"
          ? (proxy.public.recordAddress ?? defaultPublic)
          : undefined),
    };
  }
  return {
    kind: pub.via,
    hostname: pub.hostname,
    proxied: pub.proxied,
    entryService: name,
    recordAddress:
      pub.via === "port-forward" ? (pub.recordAddress ?? defaultPublic) : pub.recordAddress,
  };
}
