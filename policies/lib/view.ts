/**
 * A plain view of the stack for the rules: intent records by kind, and the facts of real resources
 * the rules check directly (SSH connections, public DNS records, tunnel routes, Kubernetes services
 * and images). Values unknown during preview never crash a rule: the affected fact is recorded as
 * unknown (and said so in messages) instead of aborting the whole policy.
 */
import type { PolicyResource } from "@pulumi/policy";
import {
  ExposureIntent,
  HypervisorIntent,
  Intent,
  INTENT_TYPE,
  INTENT_VERSION,
  MachineIntent,
  RouterIntent,
  TalosIntent,
  TrustLevel,
  VersionsIntent,
} from "../../model/intent";
import { RESOURCE_TYPES } from "../../model/tokens";

export interface ConnectionFact {
  readonly resource: string;
  readonly type: string;
  readonly urn: string;
  /** undefined when unknown at preview. */
  readonly host?: string;
  readonly hasPassword: boolean;
  readonly hostKey?: string;
  /** The connection (or part of it) is unknown during preview. */
  readonly unknown: boolean;
  readonly via: "direct" | "proxy";
}

export interface DnsRecordFact {
  readonly resource: string;
  readonly urn: string;
  readonly name?: string;
  readonly type?: string;
  /** undefined when unknown at preview (e.g. a tunnel CNAME before the tunnel exists). */
  readonly content?: string;
}

export interface TunnelRouteFact {
  readonly resource: string;
  readonly urn: string;
  readonly hostname?: string;
  readonly service?: string;
}

export interface KubeServiceFact {
  readonly resource: string;
  readonly urn: string;
  readonly name?: string;
  readonly type?: string;
  readonly loadBalancerIP?: string;
  readonly exposure?: string;
}

export interface ImageFact {
  readonly resource: string;
  readonly urn: string;
  readonly image?: string;
}

export interface LabView {
  readonly zones: ReadonlyMap<string, { readonly trust: TrustLevel; readonly cidr?: string }>;
  readonly machines: readonly MachineIntent[];
  readonly routers: readonly RouterIntent[];
  readonly hypervisors: readonly HypervisorIntent[];
  readonly talos: readonly TalosIntent[];
  readonly exposures: readonly ExposureIntent[];
  readonly versions: readonly VersionsIntent[];
  /** URN of the record each intent came from. */
  readonly urnOf: ReadonlyMap<Intent, string>;
  readonly connections: readonly ConnectionFact[];
  readonly dnsRecords: readonly DnsRecordFact[];
  readonly tunnelRoutes: readonly TunnelRouteFact[];
  readonly kubeServices: readonly KubeServiceFact[];
  readonly images: readonly ImageFact[];
  /** Intent records this pack does not understand. */
  readonly problems: readonly { readonly urn: string; readonly message: string }[];
}

/**
 * @pulumi/policy's UnknownValueError, recognised by name: the pack and its tests may load two copies
 * of @pulumi/policy, and instanceof does not cross copies.
 */
export function isUnknownValueError(e: unknown): boolean {
  return e instanceof Error && e.constructor.name === "UnknownValueError";
}

/** Reads a value, turning "unknown during preview" into undefined. */
export function known<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    if (isUnknownValueError(e)) return undefined;
    throw e;
  }
}

const str = (read: () => unknown): string | undefined => {
  const v = known(read);
  return typeof v === "string" ? v : undefined;
};

/** Deep plain copy; throws UnknownValueError if anything inside is unknown. */
function plain<T>(v: unknown): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/**
 * A field is "set" when present with a non-empty value, or present but unknown during preview (an
 * unknown password is still a password).
 */
function isSet(
  c: Record<string, unknown>,
  key: string,
): { set: boolean; value?: string; unknown: boolean } {
  if (!(key in c)) return { set: false, unknown: false };
  const v = known(() => c[key]);
  if (v === undefined) return { set: true, unknown: true };
  return {
    set: typeof v === "string" ? v.length > 0 : v !== null,
    value: typeof v === "string" ? v : undefined,
    unknown: false,
  };
}

function connectionFacts(r: PolicyResource): ConnectionFact[] {
  const base = { resource: r.name, type: r.type, urn: r.urn };
  const conn = known(() => r.props.connection as unknown);
  if (conn === null || typeof conn !== "object") {
    // Unknown during preview (or absent): nothing can be said about it yet.
    return [{ ...base, via: "direct", hasPassword: false, unknown: true }];
  }
  const fact = (c: Record<string, unknown>, via: "direct" | "proxy"): ConnectionFact => {
    const password = isSet(c, "password");
    const hostKey = isSet(c, "hostKey");
    const host = isSet(c, "host");
    return {
      ...base,
      via,
      host: host.value,
      hasPassword: password.set,
      hostKey: hostKey.set ? (hostKey.value ?? "(unknown until the update)") : undefined,
      unknown: host.unknown || hostKey.unknown || password.unknown,
    };
  };
  const c = conn as Record<string, unknown>;
  const out = [fact(c, "direct")];
  const proxy = "proxy" in c ? known(() => c.proxy) : undefined;
  if (proxy !== null && typeof proxy === "object")
    out.push(fact(proxy as Record<string, unknown>, "proxy"));
  return out;
}

export function buildView(resources: readonly PolicyResource[]): LabView {
  const zones = new Map<string, { trust: TrustLevel; cidr?: string }>();
  const machines: MachineIntent[] = [];
  const routers: RouterIntent[] = [];
  const hypervisors: HypervisorIntent[] = [];
  const talos: TalosIntent[] = [];
  const exposures: ExposureIntent[] = [];
  const versions: VersionsIntent[] = [];
  const urnOf = new Map<Intent, string>();
  const connections: ConnectionFact[] = [];
  const dnsRecords: DnsRecordFact[] = [];
  const tunnelRoutes: TunnelRouteFact[] = [];
  const kubeServices: KubeServiceFact[] = [];
  const images: ImageFact[] = [];
  const problems: { urn: string; message: string }[] = [];

  for (const r of resources) {
    switch (r.type) {
      case INTENT_TYPE: {
        const rec = known(() => plain<{ version?: number; intent?: Intent }>(r.props));
        if (!rec?.intent || rec.version !== INTENT_VERSION) {
          problems.push({
            urn: r.urn,
            message: `intent record ${r.name} has version ${rec?.version ?? "(none)"}; this policy pack understands version ${INTENT_VERSION}. Update the policy pack and the program together.`,
          });
          break;
        }
        const i = rec.intent;
        urnOf.set(i, r.urn);
        switch (i.kind) {
          case "zones":
            for (const z of i.zones) zones.set(z.name, { trust: z.trust, cidr: z.cidr });
            break;
          case "machine":
            machines.push(i);
            break;
          case "router":
            routers.push(i);
            break;
          case "hypervisor":
            hypervisors.push(i);
            break;
          case "talos":
            talos.push(i);
            break;
          case "exposure":
            exposures.push(i);
            break;
          case "versions":
            versions.push(i);
            break;
        }
        break;
      }
      // SSH connections: commands, copies, and the live-state observer (drift, verification,
      // dead-man confirmation), a dynamic resource.
      case RESOURCE_TYPES.remoteCommand:
      case RESOURCE_TYPES.copyToRemote:
      case RESOURCE_TYPES.liveState:
        connections.push(...connectionFacts(r));
        break;
      case RESOURCE_TYPES.dnsRecord:
        dnsRecords.push({
          resource: r.name,
          urn: r.urn,
          name: str(() => r.props.name),
          type: str(() => r.props.type),
          content: str(() => r.props.content),
        });
        break;
      case RESOURCE_TYPES.tunnelConfig: {
        type Cfg = { config?: { ingresses?: Record<string, unknown>[] } };
        const ingresses = () => (r.props as Cfg).config?.ingresses ?? [];
        const count = known(() => ingresses().length) ?? 0;
        for (let idx = 0; idx < count; idx++) {
          tunnelRoutes.push({
            resource: r.name,
            urn: r.urn,
            hostname: str(() => ingresses()[idx]?.hostname),
            service: str(() => ingresses()[idx]?.service),
          });
        }
        break;
      }
      case RESOURCE_TYPES.kubeService: {
        type Svc = {
          metadata?: { name?: unknown; annotations?: Record<string, unknown> };
          spec?: Record<string, unknown>;
        };
        const svc = () => r.props as Svc;
        kubeServices.push({
          resource: r.name,
          urn: r.urn,
          name: str(() => svc().metadata?.name),
          type: str(() => svc().spec?.type),
          loadBalancerIP: str(() => svc().spec?.loadBalancerIP),
          exposure: str(() => svc().metadata?.annotations?.["homelab.iac/exposure"]),
        });
        break;
      }
      case RESOURCE_TYPES.kubeDeployment: {
        type Dep = { spec?: { template?: { spec?: { containers?: Record<string, unknown>[] } } } };
        const containers = () => (r.props as Dep).spec?.template?.spec?.containers ?? [];
        const count = known(() => containers().length) ?? 0;
        for (let idx = 0; idx < count; idx++) {
          images.push({ resource: r.name, urn: r.urn, image: str(() => containers()[idx]?.image) });
        }
        break;
      }
    }
  }
  return {
    zones,
    machines,
    routers,
    hypervisors,
    talos,
    exposures,
    versions,
    urnOf,
    connections,
    dnsRecords,
    tunnelRoutes,
    kubeServices,
    images,
    problems,
  };
}
