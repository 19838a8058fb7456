/**
 * IPv4 and MAC helpers for the inventory model. Pure, no dependencies.
 * Addresses are handled as unsigned 32-bit numbers.
 */

/** One IPv4 address, without anchors (shared by the address, CIDR and WAN formats). */
export const IPV4_BODY =
  "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}";
export const IPV4_RE = new RegExp(`^${IPV4_BODY}$`);
export const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

export function isIpv4(value: string): boolean {
  return IPV4_RE.test(value);
}

export function isMac(value: string): boolean {
  return MAC_RE.test(value);
}

/** Canonical MAC form: lower case, colon separated. */
export function normalizeMac(mac: string): string {
  return mac.toLowerCase();
}

export function ipToInt(ip: string): number {
  return ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export interface Cidr {
  /** The text as written, e.g. `192.168.30.0/24`. */
  readonly text: string;
  readonly network: number;
  readonly prefix: number;
  /** Number of addresses in the block. */
  readonly size: number;
}

/** Parses `a.b.c.d/n`; returns undefined when malformed. Host bits must be zero. */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!m || !isIpv4(m[1]!)) return undefined;
  const prefix = Number(m[2]);
  if (prefix < 0 || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const network = ipToInt(m[1]!);
  if (network % size !== 0) return undefined;
  return { text, network, prefix, size };
}

/** Like parseCidr but tells why the text is not a network. */
export function cidrProblem(text: string): string | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!m || !isIpv4(m[1]!) || Number(m[2]) > 32) return "is not an IPv4 network in CIDR form";
  const size = 2 ** (32 - Number(m[2]));
  const network = ipToInt(m[1]!);
  if (network % size !== 0) {
    const base = intToIp(network - (network % size));
    return `has host bits set (the network is ${base}/${m[2]})`;
  }
  return undefined;
}

export function cidrContains(cidr: Cidr, ip: string): boolean {
  const n = ipToInt(ip);
  return n >= cidr.network && n < cidr.network + cidr.size;
}

/** True when the address is the network or broadcast address of a block of 4 or more. */
export function isNetworkOrBroadcast(cidr: Cidr, ip: string): boolean {
  if (cidr.prefix >= 31) return false;
  const n = ipToInt(ip);
  return n === cidr.network || n === cidr.network + cidr.size - 1;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.network < b.network + b.size && b.network < a.network + a.size;
}

/** The first usable host address of a block, e.g. 192.168.30.1 for 192.168.30.0/24. */
export function firstHost(cidr: Cidr): string {
  return intToIp(cidr.prefix >= 31 ? cidr.network : cidr.network + 1);
}

export function cidrAddress(cidr: Cidr, ip: string): string {
  return `${ip}/${cidr.prefix}`;
}

/** A port rule as the model, the intent records and the policies carry it. */
export interface PortText {
  readonly protocol: string;
  readonly from?: number;
  readonly to?: number;
}

/** Ports as people write them: `tcp/22, udp/60000-61000, icmp`; protocol `any` as `anyText`. */
export function formatPorts(ports: readonly PortText[], anyText = "any"): string {
  return ports
    .map((p) =>
      p.protocol === "any"
        ? anyText
        : p.protocol === "icmp"
          ? "icmp"
          : p.from === p.to
            ? `${p.protocol}/${p.from}`
            : `${p.protocol}/${p.from}-${p.to}`,
    )
    .join(", ");
}
