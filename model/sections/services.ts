/** `homelab:services`: what runs where (a machine or the Talos cluster), its ports and DNS aliases. */
import { byName, Context } from "../context";
import { descriptionField, IMAGE_RE, imageProblem, ipv4, name, port } from "../formats";
import type { Machine, Service, TalosCluster, Zone } from "../lab";
import { show } from "../messages";
import { cidrContains, parseCidr } from "../net";
import { Infer, int, list, map, object, oneOf, opt, req, str } from "../schema";
import { checkPorts } from "./ports";
import { checkPublic, exposureOf, publicSchema } from "./public";
import type { RouterSpec } from "./routers";
import type { CloudflareSpec } from "./cloudflare";

const kubeSchema = object("A Deployment + Service on the Talos cluster.", {
  image: req(
    str({
      description: "Container image with an explicit tag or digest.",
      format: "an image with a pinned tag like nginx:1.27.3",
      pattern: IMAGE_RE.source,
      check: imageProblem,
      fix: "Pin a release tag (or a @sha256 digest) so rebuilds are repeatable.",
    }),
  ),
  replicas: opt(int({ description: "Pod replicas.", min: 0, max: 100 }), 1),
  namespace: opt(name("Kubernetes namespace."), "default"),
  serviceType: opt(
    oneOf(["ClusterIP", "NodePort", "LoadBalancer"] as const, {
      description: "Kubernetes Service type.",
    }),
    "ClusterIP",
  ),
  loadBalancerIP: opt(ipv4("Address for a LoadBalancer service.")),
  nodePort: opt(int({ description: "NodePort (30000-32767).", min: 30000, max: 32767 })),
});
export type KubernetesWorkloadSpec = Infer<typeof kubeSchema>;

const servicePortSchema = object("A port the service listens on.", {
  port: req(port("Port.")),
  protocol: opt(oneOf(["tcp", "udp"] as const, { description: "Protocol." }), "tcp"),
  name: opt(name("Port name.")),
});
export type ServicePort = Infer<typeof servicePortSchema>;

const serviceSchema = object("Something that runs somewhere and has a name.", {
  description: opt(descriptionField()),
  runsOn: req(
    object("Where it runs: exactly one of host or kubernetes.", {
      host: opt(name("A machine (VM, host or router) name.")),
      kubernetes: opt(kubeSchema),
    }),
  ),
  ports: req(list(servicePortSchema, { description: "Listening ports.", minItems: 1 })),
  dns: opt(
    list(name("DNS label."), {
      description:
        "Internal DNS aliases (`<alias>.<domain>`) pointing at wherever the service runs, so clients never depend on the machine.",
    }),
  ),
  public: opt(publicSchema, undefined, "internal only"),
});
export type ServiceSpec = Infer<typeof serviceSchema>;

export const servicesSchema = map(serviceSchema, { description: "Services by name." });

export function checkServices(ctx: Context): void {
  const aliases = new Map<string, string>();
  for (const [name, s] of byName(ctx.inv.services)) {
    const path = `homelab:services.${name}`;
    const { host, kubernetes } = s.runsOn;
    if ((host === undefined) === (kubernetes === undefined)) {
      ctx.add(
        `${path}.runsOn`,
        `${show(s.runsOn)} sets ${host ? "both host and kubernetes" : "neither host nor kubernetes"}; expected exactly one of them. Keep one.`,
      );
    }
    if (host) ctx.machineRef(`${path}.runsOn.host`, host);
    if (kubernetes) checkKubernetes(ctx, path, name, s, kubernetes);
    (s.dns ?? []).forEach((alias, i) => {
      const apath = `${path}.dns[${i}]`;
      const prior = aliases.get(alias);
      if (prior) {
        ctx.add(
          apath,
          `${show(alias)} is already an alias of service ${prior}; expected unique DNS aliases. Rename one.`,
        );
        return;
      }
      const clash = dnsClash(ctx, name, alias);
      if (clash) {
        ctx.add(apath, clash);
        return;
      }
      aliases.set(alias, name);
    });
    if (s.public) checkPublic(ctx, name, s);
  }
  checkPorts(ctx);
}

/** One internal DNS answer per name: an alias may name no machine, other service or cluster. */
function dnsClash(ctx: Context, service: string, alias: string): string | undefined {
  const m = ctx.machines.get(alias);
  if (m) {
    return `${show(alias)} is the name of ${m.kind} ${alias}; expected an alias that is no machine name. Rename the alias.`;
  }
  if (alias !== service && ctx.services.has(alias)) {
    return `${show(alias)} is the name of service ${alias}; expected an alias that names no other service (${alias}.<domain> would answer with ${service}'s address). Rename the alias.`;
  }
  if (ctx.inv.talos?.clusterName === alias) {
    return `${show(alias)} is the Talos cluster name (${alias}.<domain> is the Kubernetes endpoint); expected an alias that is no cluster name. Rename the alias.`;
  }
  return undefined;
}

function checkKubernetes(
  ctx: Context,
  path: string,
  name: string,
  s: ServiceSpec,
  kubernetes: KubernetesWorkloadSpec,
): void {
  if (!ctx.inv.talos && !ctx.inv.failed.has("talos")) {
    ctx.add(
      `${path}.runsOn.kubernetes`,
      `needs a cluster but homelab:talos is not set; expected a Talos cluster. Add homelab:talos or run the service on a host.`,
    );
  }
  if (kubernetes.loadBalancerIP && kubernetes.serviceType !== "LoadBalancer") {
    ctx.add(
      `${path}.runsOn.kubernetes.loadBalancerIP`,
      `is set but serviceType is ${kubernetes.serviceType}; expected serviceType LoadBalancer. Set serviceType: LoadBalancer or remove loadBalancerIP.`,
    );
  }
  if (kubernetes.serviceType === "LoadBalancer" && !kubernetes.loadBalancerIP) {
    ctx.add(
      `${path}.runsOn.kubernetes.loadBalancerIP`,
      `(missing) is required for serviceType LoadBalancer; expected an IPv4 address in the cluster's zone. Add loadBalancerIP.`,
    );
  }
  if (kubernetes.nodePort && kubernetes.serviceType !== "NodePort") {
    ctx.add(
      `${path}.runsOn.kubernetes.nodePort`,
      `is set but serviceType is ${kubernetes.serviceType}; expected serviceType NodePort. Set serviceType: NodePort or remove nodePort.`,
    );
  }
  if (kubernetes.loadBalancerIP) {
    // In the cluster's zone: the nodes announce it on their L2 network.
    ctx.claimAddress(
      `${path}.runsOn.kubernetes.loadBalancerIP`,
      ctx.clusterZone,
      kubernetes.loadBalancerIP,
      `service ${name}`,
    );
  }
  if (kubernetes.serviceType === "ClusterIP" && (s.dns?.length ?? 0) > 0) {
    ctx.add(
      `${path}.dns`,
      `${show(s.dns)} needs an address outside the cluster but serviceType is ClusterIP; expected NodePort or LoadBalancer. Change serviceType or drop the aliases.`,
    );
  }
}

/** Resolved services: where each is reached (zone, addresses) and how it is exposed. */
export function resolveServices(
  services: Readonly<Record<string, ServiceSpec>>,
  machines: ReadonlyMap<string, Machine>,
  zones: readonly Zone[],
  talos: TalosCluster | undefined,
  routers: readonly [string, RouterSpec][],
  cloudflare: CloudflareSpec | undefined,
): Service[] {
  const zoneOfAddress = (address: string) =>
    zones.find((z) => z.cidr && cidrContains(parseCidr(z.cidr)!, address))?.name;
  const located = new Map<string, { zone?: string; addresses: string[] }>();
  const entries = byName(services);
  for (const [name, s] of entries) {
    if (s.runsOn.host) {
      const m = machines.get(s.runsOn.host)!;
      located.set(name, { zone: m.interfaces[0]!.zone, addresses: [m.interfaces[0]!.address] });
    } else {
      const k = s.runsOn.kubernetes!;
      if (k.serviceType === "LoadBalancer" && k.loadBalancerIP) {
        located.set(name, { zone: zoneOfAddress(k.loadBalancerIP), addresses: [k.loadBalancerIP] });
      } else if (k.serviceType === "NodePort" && talos) {
        const nodes = talos.workers.length ? talos.workers : talos.controlPlanes;
        located.set(name, {
          zone: talos.zone,
          addresses: nodes.map((n) => n.interfaces[0]!.address),
        });
      } else {
        located.set(name, { zone: talos?.zone, addresses: [] });
      }
    }
  }
  const staticWan = routers.map(([, r]) => r.wan).find((w) => w && w.address !== "dhcp");
  const defaultPublic = cloudflare?.publicAddress ?? staticWan?.address.split("/")[0];
  return entries.map(([name, s]) => {
    const loc = located.get(name)!;
    return {
      name,
      description: s.description,
      host: s.runsOn.host,
      kubernetes: s.runsOn.kubernetes,
      ports: s.ports.map((p) => ({ port: p.port, protocol: p.protocol, name: p.name })),
      zone: loc.zone,
      addresses: loc.addresses,
      dns: [...(s.dns ?? [])].sort(),
      exposure: exposureOf(services, name, s, defaultPublic),
    };
  });
}
