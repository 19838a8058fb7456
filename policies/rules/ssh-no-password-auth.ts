import type { Finding, HomelabRule } from "../lib/rule";
import type { ConnectionFact } from "../lib/view";

/** Groups connection findings per host, so one bad connection setting is one finding, not one per command. */
export function byHost(facts: readonly ConnectionFact[]): Map<string, ConnectionFact[]> {
  const out = new Map<string, ConnectionFact[]>();
  for (const f of facts) {
    const key = f.host ?? `resource ${f.resource}`;
    out.set(key, [...(out.get(key) ?? []), f]);
  }
  return out;
}

/** Names the config path a setting comes from; the global one is said to be global. */
export function where(path: string, host: string): string {
  return path === "homelab:ssh.sshd"
    ? `homelab:ssh.sshd (the global setting: ${host} has none of its own, and every host without one inherits it)`
    : path;
}

export const sshNoPasswordAuth: HomelabRule = {
  name: "ssh-no-password-auth",
  description:
    "Checks that no SSH connection authenticates with a password and that every host's sshd (NixOS included) refuses password and keyboard-interactive logins.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Remove `password` from the connection and use the deploy key (homelab:deployPrivateKey). In the inventory, drop `passwordAuthentication: true` / `kbdInteractiveAuthentication: true` from homelab:ssh.sshd or the host's ssh.sshd.",
  check: (view) => {
    const findings: Finding[] = [];
    for (const [host, facts] of byHost(view.connections.filter((c) => c.hasPassword))) {
      findings.push({
        id: `connection:${host}`,
        urn: facts[0]!.urn,
        message: `${facts.length} SSH connection${facts.length === 1 ? "" : "s"} to ${host} ${facts.length === 1 ? "sets" : "set"} a password (${facts.map((f) => `${f.resource}${f.via === "proxy" ? " (bastion)" : ""}`).join(", ")}).`,
        fix: `Remove the password from the connection to ${host}; connect with the deploy key only.`,
      });
    }
    for (const m of view.machines) {
      if (!m.ssh) continue;
      const urn = view.urnOf.get(m);
      if (m.ssh.passwordAuthentication) {
        findings.push({
          id: `sshd-password:${m.name}`,
          urn,
          message: `sshd on ${m.role} ${m.name} (${m.os}) accepts password logins (PasswordAuthentication yes).`,
          fix: `Remove passwordAuthentication: true from ${where(m.ssh.settingsFrom.passwordAuthentication, m.name)}.`,
        });
      }
      if (m.ssh.kbdInteractiveAuthentication) {
        findings.push({
          id: `sshd-kbd:${m.name}`,
          urn,
          message: `sshd on ${m.role} ${m.name} (${m.os}) accepts keyboard-interactive logins (password prompts through PAM).`,
          fix: `Remove kbdInteractiveAuthentication: true from ${where(m.ssh.settingsFrom.kbdInteractiveAuthentication, m.name)}.`,
        });
      }
    }
    return findings;
  },
};
