/** `homelab:flows`: the only allowed connections between zones (everything else is dropped). */
import type { Context } from "../context";
import { name, PORT_SPEC_RE, portSpec } from "../formats";
import type { Flow, Machine, PortRule, Service } from "../lab";
import { show } from "../messages";
import { Infer, list, object, opt, req, str } from "../schema";

const flowSchema = object(
  "An allowed connection between zones. Everything not listed is dropped (default deny).",
  {
    from: req(name("Source zone.")),
    to: req(name("Destination zone.")),
    ports: opt(
      list(portSpec(), {
        description: "Allowed protocols/ports (`any` allows everything).",
        minItems: 1,
      }),
      undefined,
      "the ports of toService; required without toService",
    ),
    toHost: opt(
      name("Restrict the destination to this machine's address in the destination zone."),
      undefined,
      "any address in the zone",
    ),
    toService: opt(
      name("Restrict the destination to this service's addresses (and, without ports, its ports)."),
      undefined,
      "any address in the zone",
    ),
    description: opt(str({ description: "Why this flow exists (shown in docs and PR previews)." })),
  },
);
export type FlowSpec = Infer<typeof flowSchema>;

export const flowsSchema = list(flowSchema, {
  description: "Allowed inter-zone flows (default deny).",
});

export function parsePortSpec(spec: string): PortRule {
  const m = PORT_SPEC_RE.exec(spec)!;
  if (m[1] === "icmp" || m[1] === "any") return { protocol: m[1] };
  const from = Number(m[3]);
  return { protocol: m[2] as "tcp" | "udp", from, to: m[5] === undefined ? from : Number(m[5]) };
}

export function checkFlows(ctx: Context): void {
  (ctx.inv.flows ?? []).forEach((f, i) => {
    const path = `homelab:flows[${i}]`;
    const fromOk = ctx.zoneRef(`${path}.from`, f.from);
    const toOk = ctx.zoneRef(`${path}.to`, f.to);
    if (fromOk && toOk && f.from === f.to) {
      ctx.add(
        `${path}.to`,
        `${show(f.to)} is the same zone as from; expected two different zones (traffic inside a zone never crosses the router). Remove the flow or fix a zone.`,
      );
    }
    if (f.toHost && f.toService) {
      ctx.add(
        `${path}.toService`,
        `is set together with toHost; expected at most one of toHost and toService. Keep one.`,
      );
    }
    if (!f.ports && !f.toService) {
      ctx.add(
        `${path}.ports`,
        `(missing) is required without toService; expected a list like [tcp/22, icmp]. Add the allowed ports.`,
      );
    }
    if (f.toHost && toOk) {
      const m = ctx.machineRef(`${path}.toHost`, f.toHost);
      if (m && !ctx.machineAddressIn(m, f.to)) {
        ctx.add(
          `${path}.toHost`,
          `${show(f.toHost)} has no address in zone ${f.to}; expected a machine in the destination zone. Fix toHost or the zone.`,
        );
      }
    }
    if (f.toService && toOk) {
      const s = ctx.serviceRef(`${path}.toService`, f.toService);
      const zone = s ? ctx.serviceZone(s) : undefined;
      if (s && zone !== undefined && zone !== f.to) {
        ctx.add(
          `${path}.toService`,
          `${show(f.toService)} is reached in zone ${zone}; expected a service in the destination zone ${f.to}. Fix toService or the zone.`,
        );
      }
    }
  });
}

export function resolveFlows(
  flows: readonly FlowSpec[],
  machines: ReadonlyMap<string, Machine>,
  services: ReadonlyMap<string, Service>,
): Flow[] {
  return flows.map((f) => {
    const host = f.toHost ? machines.get(f.toHost)! : undefined;
    const svc = f.toService ? services.get(f.toService)! : undefined;
    const ports = f.ports
      ? f.ports.map(parsePortSpec)
      : svc!.ports.map((p): PortRule => ({ protocol: p.protocol, from: p.port, to: p.port }));
    return {
      from: f.from,
      to: f.to,
      ports,
      toHost: f.toHost,
      toService: f.toService,
      toAddresses: host
        ? [host.interfaces.find((i) => i.zone === f.to)!.address]
        : svc
          ? [...svc.addresses]
          : [],
      description: f.description,
    };
  });
}
