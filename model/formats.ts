/**
 * Value formats the inventory checks by shape: addresses, networks, names, ports, interface names,
 * SSH keys, versions and images. Each is a schema of the schema language, so the check, its message
 * and its documentation come from one definition.
 */
import { cidrProblem, isIpv4 } from "./net";
import { int, NAME_FORMAT, NAME_RE, Schema, str } from "./schema";

export const ipv4 = (description: string): Schema<string> =>
  str({
    description,
    format: "an IPv4 address",
    check: (v) => (isIpv4(v) ? undefined : "is not an IPv4 address"),
    fix: "Write it as four numbers 0-255, e.g. 192.168.30.7.",
  });

export const cidr = (description: string): Schema<string> =>
  str({
    description,
    format: "an IPv4 network in CIDR form",
    check: cidrProblem,
    fix: "Write the network address and prefix length, e.g. 192.168.30.0/24.",
  });

export const name = (description: string): Schema<string> =>
  str({
    description,
    format: NAME_FORMAT,
    check: (v) => (NAME_RE.test(v) ? undefined : "is not a valid name"),
  });

export const port = (description: string): Schema<number> =>
  int({ description, min: 1, max: 65535 });

/** Linux interface names: at most 15 characters; they end up in shell scripts and nftables rules. */
export const IFNAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;
export const ifname = (description: string): Schema<string> =>
  str({
    description,
    format: "a Linux interface name (letters, digits, '_', '.', '-'; at most 15 characters)",
    check: (v) => (IFNAME_RE.test(v) ? undefined : "is not a Linux interface name"),
  });

export const HOST_KEY_RE =
  /^(ssh-ed25519|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521|ssh-rsa) [A-Za-z0-9+/]+={0,3}$/;
export const hostKey = str({
  description:
    "The host's SSH public host key, as in /etc/ssh/ssh_host_ed25519_key.pub without the comment. Pinned: connections to any other key are refused.",
  format: "an SSH public key (`ssh-ed25519 AAAA...`, no comment)",
  check: (v) => (HOST_KEY_RE.test(v.trim()) ? undefined : "is not an SSH public host key"),
  fix: "Copy it from the host with `ssh-keyscan -t ed25519 <address>` (drop the leading address) or from /etc/ssh/ssh_host_ed25519_key.pub.",
});

export const AUTHORIZED_KEY_RE =
  /^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com|ssh-rsa) [A-Za-z0-9+/]+={0,3}( .*)?$/;

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

/** Versions must be exact: `latest`, `stable` or partial versions are rejected. */
export const exactVersion = (
  description: string,
  example: string,
  requireV: boolean,
): Schema<string> =>
  str({
    description,
    format: `an exact version like ${example}`,
    check: (v) => {
      const re = requireV ? /^v\d+\.\d+\.\d+$/ : /^v?\d+\.\d+\.\d+$/;
      return re.test(v) ? undefined : "is not pinned to an exact version";
    },
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

/** A free-text description for the generated docs. */
export const descriptionField = (): Schema<string> =>
  str({ description: "Free text for the generated docs." });
