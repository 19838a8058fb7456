/**
 * What discovery learned about a machine, parsed from the sections of the probe script's output
 * (probe.ts): pure functions, tested by value on captured outputs. Formats: `ip -j` (iproute2's
 * JSON, ip(8) `-json`), `ss -H` (ss(8): State Recv-Q Send-Q Local Peer Process), `sshd -T`
 * (sshd(8): lower-case `keyword value` lines), `nft -j` (libnftables-json(5)).
 */
import type { Section, Sections } from "./probe";

export interface Link {
  readonly name: string;
  readonly mac?: string;
  /** iproute2 `linkinfo.info_kind`: vlan, bridge, veth, tun, ...; undefined for a plain NIC. */
  readonly kind?: string;
  /** A VLAN sub-interface's id and parent. */
  readonly vlan?: { readonly id: number; readonly parent: string };
  /** The bridge this link is a port of. */
  readonly master?: string;
  readonly loopback: boolean;
}

export interface Address {
  readonly ifname: string;
  readonly address: string;
  readonly prefix: number;
  /** Assigned by DHCP (iproute2 `dynamic`). */
  readonly dynamic: boolean;
}

export interface Listener {
  readonly proto: "tcp" | "udp";
  readonly address: string;
  readonly port: number;
  readonly process?: string;
}

export interface Facts {
  readonly hostname: string;
  readonly os?: {
    readonly id: string;
    readonly like: readonly string[];
    readonly version?: string;
  };
  readonly links: readonly Link[];
  /** Global-scope IPv4 addresses. */
  readonly addresses: readonly Address[];
  readonly defaultRoute?: { readonly gateway?: string; readonly dev?: string };
  readonly ipForward: boolean;
  /** `sshd -T` keywords → values; undefined when sshd -T could not run. */
  readonly sshd?: ReadonlyMap<string, string>;
  readonly listening: readonly Listener[];
  /** libvirt domains; undefined when virsh is not installed. */
  readonly domains?: readonly string[];
  /** nftables tables as `family name`; undefined when nft is not installed. */
  readonly nftTables?: readonly string[];
  /** Chains hooked at forward, as `family table chain (policy p)`. */
  readonly forwardChains: readonly string[];
  /** Managed units → their state (active, inactive, failed, ...). */
  readonly units: ReadonlyMap<string, string>;
  /** Tools that are not installed, by section. */
  readonly missing: readonly { readonly section: string; readonly tool: string }[];
  /** Probes that ran and failed: what the snippet could not learn. */
  readonly failed: readonly {
    readonly section: string;
    readonly code: number;
    readonly stderr: string;
  }[];
}

function json(s: Section | undefined, section: string): unknown {
  if (!s || s.status !== "ok" || s.text.trim() === "") return undefined;
  try {
    return JSON.parse(s.text) as unknown;
  } catch {
    throw new Error(`the ${section} section is not JSON: ${s.text.slice(0, 80)}`);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const objs = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

function links(v: unknown): Link[] {
  return objs(v).map((l) => {
    const info = isObj(l.linkinfo) ? l.linkinfo : {};
    const data = isObj(info.info_data) ? info.info_data : {};
    const kind = str(info.info_kind);
    const parent = str(l.link);
    const id = typeof data.id === "number" ? data.id : undefined;
    return {
      name: str(l.ifname) ?? "",
      mac: l.link_type === "ether" ? str(l.address) : undefined,
      kind,
      vlan: kind === "vlan" && id !== undefined && parent ? { id, parent } : undefined,
      master: str(l.master),
      loopback: l.link_type === "loopback",
    };
  });
}

function addresses(v: unknown): Address[] {
  return objs(v).flatMap((l) =>
    objs(l.addr_info)
      .filter((a) => a.family === "inet" && a.scope === "global" && typeof a.local === "string")
      .map((a) => ({
        ifname: str(l.ifname) ?? "",
        address: a.local as string,
        prefix: typeof a.prefixlen === "number" ? a.prefixlen : 32,
        dynamic: a.dynamic === true,
      })),
  );
}

export function parseOsRelease(text: string): Facts["os"] {
  const kv = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) kv.set(m[1]!, m[2]!.replace(/^(["'])(.*)\1$/, "$2"));
  }
  const id = kv.get("ID");
  if (!id) return undefined;
  return {
    id,
    like: (kv.get("ID_LIKE") ?? "").split(/\s+/).filter(Boolean),
    version: kv.get("VERSION_ID"),
  };
}

export function parseSshdT(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (m && !out.has(m[1]!.toLowerCase())) out.set(m[1]!.toLowerCase(), m[2]!.trim());
  }
  return out;
}

/** `ss -H -tlnp` / `-ulnp` lines: State Recv-Q Send-Q Local:Port Peer:Port [users:(("name",...))]. */
export function parseSs(text: string, proto: "tcp" | "udp"): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    const local = f[3];
    if (!local) continue;
    const m = /^(.*):(\d+|\*)$/.exec(local);
    if (!m || m[2] === "*") continue;
    const proc = /users:\(\("([^"]+)"/.exec(line);
    out.push({
      proto,
      address: m[1]!.replace(/^\[(.*)\]$/, "$1").replace(/%\S+$/, ""),
      port: Number(m[2]),
      process: proc ? proc[1] : undefined,
    });
  }
  return out;
}

function nftItems(v: unknown, kind: string): Obj[] {
  const list = isObj(v) ? objs(v.nftables) : [];
  return list.flatMap((i) => (isObj(i[kind]) ? [i[kind]] : []));
}

/** Facts from the sections; `units` is the order the probe asked systemctl for. */
export function factsFrom(sections: Sections, unitNames: readonly string[]): Facts {
  const get = (k: string) => sections.get(k);
  const ok = (k: string) => (get(k)?.status === "ok" ? get(k)!.text : undefined);
  const route = objs(json(get("route"), "route"))[0];
  const unitSection = get("units");
  const unitStates = unitSection?.text.split("\n").filter((l) => l.trim() !== "") ?? [];
  // systemctl is-active prints one state per unit, in order (exit non-zero unless all are
  // active); a system without systemd prints nothing and an error on stderr.
  const unitMap = new Map<string, string>();
  if (unitStates.length === unitNames.length) {
    unitNames.forEach((u, i) => unitMap.set(u, unitStates[i]!.trim()));
  }
  const virsh = get("virsh");
  const tables = get("nft-tables");
  const failed = [...sections.entries()]
    .filter(([k, s]) => s.status === "failed" && !(k === "units" && unitStates.length > 0))
    .map(([section, s]) => ({ section, code: s.code ?? 1, stderr: s.stderr }));
  return {
    hostname: (ok("hostname") ?? "").trim(),
    os: ok("os-release") !== undefined ? parseOsRelease(ok("os-release")!) : undefined,
    links: links(json(get("link"), "link")),
    addresses: addresses(json(get("addr"), "addr")),
    defaultRoute: route ? { gateway: str(route.gateway), dev: str(route.dev) } : undefined,
    ipForward: (ok("ip-forward") ?? "").trim() === "1",
    sshd: ok("sshd") !== undefined ? parseSshdT(ok("sshd")!) : undefined,
    listening: [...parseSs(ok("tcp") ?? "", "tcp"), ...parseSs(ok("udp") ?? "", "udp")],
    domains:
      virsh?.status === "ok"
        ? virsh.text
            .split("\n")
            .map((l) => l.trim())
            .filter(Boolean)
            .sort()
        : undefined,
    nftTables:
      tables?.status === "ok"
        ? nftItems(json(tables, "nft-tables"), "table").map(
            (t) => `${str(t.family)} ${str(t.name)}`,
          )
        : undefined,
    forwardChains: nftItems(json(get("nft-chains"), "nft-chains"), "chain")
      .filter((c) => c.hook === "forward")
      .map(
        (c) =>
          `${str(c.family)} ${str(c.table)} ${str(c.name)} (policy ${str(c.policy) ?? "accept"})`,
      ),
    units: unitMap,
    missing: [...sections.entries()]
      .filter(([, s]) => s.status === "missing")
      .map(([section, s]) => ({ section, tool: s.tool ?? "" })),
    failed,
  };
}
