/**
 * Value formats the inventory checks by shape: addresses, networks, names, ports, interface names,
 * SSH keys, versions and images. Each is a schema of the schema language whose check is a regular
 * expression, so the check, its message, its documentation and the JSON Schema `pattern` editors use
 * come from one definition (semantic checks such as host bits or port bounds come on top).
 */
import { show, suggestName } from "./messages";
import { cidrProblem, IPV4_BODY, IPV4_RE, MAC_RE } from "./net";
import { int, NAME_FORMAT, NAME_RE, Schema, str, StringOptions } from "./schema";

/** A string format checked by a regular expression; `problem` names what a mismatch is not. */
export function shaped(
  opts: Omit<StringOptions, "check" | "pattern"> & {
    re: RegExp;
    problem: string;
    /** Further checks of a value of the right shape. */
    also?: (value: string) => string | undefined;
  },
): Schema<string> {
  const { re, problem, also, ...rest } = opts;
  return str({
    ...rest,
    pattern: re.source,
    check: (v) => (re.test(v) ? also?.(v) : problem),
  });
}

export const ipv4 = (description: string): Schema<string> =>
  shaped({
    description,
    format: "an IPv4 address",
    re: IPV4_RE,
    problem: "is not an IPv4 address",
    fix: "Write it as four numbers 0-255, e.g. 192.168.30.7.",
  });

export const CIDR_RE = new RegExp(`^${IPV4_BODY}/(3[0-2]|[12]?\\d)$`);
export const cidr = (description: string): Schema<string> =>
  shaped({
    description,
    format: "an IPv4 network in CIDR form",
    re: CIDR_RE,
    problem: "is not an IPv4 network in CIDR form",
    also: cidrProblem,
    fix: "Write the network address and prefix length, e.g. 192.168.30.0/24.",
  });

export const name = (description: string): Schema<string> =>
  shaped({
    description,
    format: NAME_FORMAT,
    re: NAME_RE,
    problem: "is not a valid name",
    fix: (v) => `Use lower-case letters, digits and '-', e.g. ${show(suggestName(v))}.`,
  });

export const port = (description: string): Schema<number> =>
  int({ description, min: 1, max: 65535 });

/** Linux interface names: at most 15 characters; they end up in shell scripts and nftables rules. */
export const IFNAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;
export const ifname = (description: string): Schema<string> =>
  shaped({
    description,
    format: "a Linux interface name (letters, digits, '_', '.', '-'; at most 15 characters)",
    re: IFNAME_RE,
    problem: "is not a Linux interface name",
    fix: "Use the name `ip link` shows on the machine.",
  });

export const MAC_UNICAST_RE = /^[0-9a-fA-F][02468aceACE](:[0-9a-fA-F]{2}){5}$/;
export const mac = (description: string): Schema<string> =>
  shaped({
    description,
    format: "a unicast MAC address like 52:54:00:12:34:56",
    re: MAC_UNICAST_RE,
    problem: "is not a unicast MAC address",
    fix: "Use a unicast address; KVM guests conventionally use 52:54:00:xx:xx:xx.",
  });
/** Why a string is no unicast MAC, in the model's words. */
export function macProblem(v: string): string | undefined {
  if (!MAC_RE.test(v)) return "is not a MAC address";
  return MAC_UNICAST_RE.test(v) ? undefined : "is a multicast MAC address";
}

const KEY_TYPES = "ssh-ed25519|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521|ssh-rsa";
/** A host key as written (surrounding white space is ignored, nothing else is). */
export const HOST_KEY_RE = new RegExp(`^\\s*(${KEY_TYPES}) [A-Za-z0-9+/]+={0,3}\\s*$`);
/** Says what a pasted host key line has that a pinned key must not. */
function hostKeyProblem(v: string): string {
  const t = v.trim();
  if (/^\S+ (ssh-|ecdsa-)/.test(t)) return "starts with an address (ssh-keyscan output)";
  if (new RegExp(`^(${KEY_TYPES}) [A-Za-z0-9+/]+={0,3} \\S`).test(t)) return "has a comment";
  return "is not an SSH public host key";
}
export const hostKey = str({
  description:
    "The host's SSH public host key, as in /etc/ssh/ssh_host_ed25519_key.pub without the comment. Pinned: connections to any other key are refused.",
  format: "an SSH public key (`ssh-ed25519 AAAA...`, no comment)",
  pattern: HOST_KEY_RE.source,
  check: (v) => (HOST_KEY_RE.test(v) ? undefined : hostKeyProblem(v)),
  fix: "Copy it from the host with `ssh-keyscan -t ed25519 <address>` (drop the leading address) or from /etc/ssh/ssh_host_ed25519_key.pub (drop the comment).",
});

export const AUTHORIZED_KEY_RE =
  /^\s*(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com|ssh-rsa) [A-Za-z0-9+/]+={0,3}( .*)?$/;

/** Port spec like `tcp/22`, `udp/53`, `tcp/8000-8100`, `icmp` or `any`. */
export const PORT_SPEC_RE = /^(icmp|any|(tcp|udp)\/(\d{1,5})(-(\d{1,5}))?)$/;
export function portSpecProblem(v: string): string | undefined {
  const m = PORT_SPEC_RE.exec(v);
  if (!m) return "is not a port spec";
  if (m[1] === "icmp" || m[1] === "any") return undefined;
  const from = Number(m[3]);
  const to = m[5] === undefined ? from : Number(m[5]);
  if (from < 1 || to > 65535 || from > to) return "is not a valid port range";
  return undefined;
}
export const portSpec = (): Schema<string> =>
  shaped({
    description: "A port spec.",
    format: "a port spec like tcp/22, udp/53, tcp/8000-8100, icmp or any",
    re: PORT_SPEC_RE,
    problem: "is not a port spec",
    also: portSpecProblem,
    fix: "Write the protocol and port (or first-last range) like tcp/443.",
  });

/** Versions must be exact: `latest`, `stable` or partial versions are rejected. */
export const exactVersion = (
  description: string,
  example: string,
  requireV: boolean,
): Schema<string> =>
  shaped({
    description,
    format: `an exact version like ${example}`,
    re: requireV ? /^v\d+\.\d+\.\d+$/ : /^v?\d+\.\d+\.\d+$/,
    problem: "is not pinned to an exact version",
    fix: `Pin the exact release you tested, e.g. ${example}; floating versions make rebuilds unrepeatable.`,
  });

/** Container images need an explicit tag or digest, never `latest`. */
export function imageProblem(v: string): string | undefined {
  if (/@sha256:[0-9a-f]{64}$/.test(v)) return undefined;
  const lastSegment = v.split("/").pop() ?? v;
  const colon = lastSegment.lastIndexOf(":");
  if (colon < 0) return "has no tag (it would float to latest)";
  const tag = lastSegment.slice(colon + 1);
  if (tag === "" || tag === "latest") return "is pinned to latest";
  return undefined;
}
/** The shape imageProblem accepts: a digest, or a last path segment with a tag other than latest. */
export const IMAGE_RE =
  /^(?:[^@\s]+@sha256:[0-9a-f]{64}|(?:[^/\s]+\/)*[^/:\s]*:(?!latest$)[^/:\s]+)$/;

/** Absolute paths of letters, digits, '.', '_', '-' and '/' (safe in shell scripts and Nix). */
export const PATH_RE = /^\/[A-Za-z0-9._/-]+$/;

/** A DNS name with a top-level domain (public names); `INTERNAL_DOMAIN_RE` allows a single label. */
export const DNS_NAME_RE = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/;
export const INTERNAL_DOMAIN_RE =
  /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** A free-text description for the generated docs. */
export const descriptionField = (): Schema<string> =>
  str({ description: "Free text for the generated docs." });
