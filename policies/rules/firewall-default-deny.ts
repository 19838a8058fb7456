import type { Finding, HomelabRule } from "../lib/rule";

export const firewallDefaultDeny: HomelabRule = {
  name: "firewall-default-deny",
  description:
    "Checks that every router drops forwarded traffic by default, so only the declared flows pass between zones, and that a router enforces the zones at all.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "Keep the router's nftables forward chain at `policy drop` (what the Router component renders); declare what may pass under homelab:flows.",
  check: (view) => {
    const findings: Finding[] = [];
    for (const r of view.routers) {
      if (r.forwardPolicy !== "drop") {
        findings.push({
          id: `forward-policy:${r.name}`,
          urn: view.urnOf.get(r),
          message: `Router ${r.name} forwards by default (forward policy ${r.forwardPolicy}): every zone can reach every other.`,
          fix: `Set the forward chain of ${r.name} to policy drop and list the allowed traffic in homelab:flows.`,
        });
      }
    }
    const inside = [...view.zones.entries()].filter(([, z]) => z.trust !== "wan").map(([n]) => n);
    if (inside.length > 1 && view.routers.length === 0) {
      findings.push({
        id: "no-router",
        message: `Zones ${inside.sort().join(", ")} exist but no router publishes its firewall: nothing enforces default deny between them.`,
        fix: "Declare the router under homelab:routers (the Router component renders and publishes its ruleset).",
      });
    }
    return findings;
  },
};
