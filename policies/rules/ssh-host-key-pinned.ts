import type { Finding, HomelabRule } from "../lib/rule";
import { byHost } from "./ssh-no-password-auth";

export const sshHostKeyPinned: HomelabRule = {
  name: "ssh-host-key-pinned",
  description:
    "Checks that every SSH connection pins the host's public key, so a swapped or spoofed host is refused instead of trusted on first use.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Pin the host key: set the host's ssh.hostKey in the inventory (`ssh-keyscan -t ed25519 <address>`, without the address) so every connection carries `hostKey`.",
  check: (view) => {
    const findings: Finding[] = [];
    const unpinned = view.connections.filter((c) => !c.hostKey && !c.unknown);
    for (const [host, facts] of byHost(unpinned)) {
      findings.push({
        id: `connection:${host}`,
        urn: facts[0]!.urn,
        message: `${facts.length} SSH connection${facts.length === 1 ? "" : "s"} to ${host} ${facts.length === 1 ? "does" : "do"} not pin a host key (${facts.map((f) => `${f.resource}${f.via === "proxy" ? " (bastion)" : ""}`).join(", ")}): any key would be accepted.`,
        fix: `Set connection.hostKey for ${host} (from the inventory's ssh.hostKey).`,
      });
    }
    for (const m of view.machines) {
      if (m.ssh && !m.ssh.hostKeyPinned) {
        findings.push({
          id: `hostkey:${m.name}`,
          urn: view.urnOf.get(m),
          message: `${m.role} ${m.name} has no pinned SSH host key.`,
          fix: `Add ssh.hostKey for ${m.name} to the inventory.`,
        });
      }
    }
    return findings;
  },
};
