/** The static network unit of routers, hypervisors and guests: ifupdown for boot, `ip` live. */
import type { Hypervisor, Lab, Machine, Router } from "../../model/lab";
import {
  guestNetPlan,
  hypervisorNetPlan,
  NetPlan,
  renderIfupdown,
  renderNetConverge,
  routerNetPlan,
} from "../network";
import { renderSysctl, SYSCTL_PATH, SysctlRole } from "../sysctl";
import { generatedHeader, lines, shq } from "../text";
import type { UnitFact, UnitSpec } from "../unit-script";

/** Each declared link: present, its bridge, its IPv4 addresses; and the default route. */
function networkFacts(plan: NetPlan): UnitFact[] {
  const linkLine = (l: NetPlan["links"][number]) =>
    `${l.name}: present${l.master ? `, port of ${l.master}` : ""}${l.dhcp ? "" : `, ipv4 ${l.addresses.length ? [...l.addresses].sort().join(" ") : "none"}`}`;
  const probe = (l: NetPlan["links"][number]) => {
    const q = shq(l.name);
    return [
      `if ip link show dev ${q} >/dev/null 2>&1; then`,
      `  m=$(ip -o link show dev ${q} | sed -n 's/.* master \\([^ ]*\\) .*/\\1/p')`,
      `  a=$(ip -4 -o addr show dev ${q} | awk '{print $4}' | LC_ALL=C sort | tr '\\n' ' ' | sed 's/ $//')`,
      `  echo "${l.name}: present\${m:+, port of $m}${l.dhcp ? "" : ", ipv4 ${a:-none}"}"`,
      `else echo "${l.name}: missing"; fi`,
    ].join("\n");
  };
  const facts: UnitFact[] = [
    {
      key: "network links (ip link, ip addr)",
      script: plan.links.map(probe).join("\n"),
      expect: plan.links.map(linkLine).join("\n"),
    },
  ];
  if (plan.defaultRoute) {
    facts.push({
      key: "default route (ip route)",
      script: `ip -4 route show default | awk '{v="?"; d="?"; for (i = 1; i < NF; i++) { if ($i == "via") v = $(i+1); if ($i == "dev") d = $(i+1) }; print "default via " v " dev " d}'`,
      expect: `default via ${plan.defaultRoute.via} dev ${plan.defaultRoute.dev}`,
    });
  }
  if (plan.routes?.length) {
    facts.push({
      key: "static routes (ip route proto static)",
      script: `ip -4 route show proto static | awk '{v="?"; d="?"; for (i = 2; i < NF; i++) { if ($i == "via") v = $(i+1); if ($i == "dev") d = $(i+1) }; print $1 " via " v " dev " d}' | LC_ALL=C sort`,
      expect: plan.routes
        .map((r) => `${r.to} via ${r.via} dev ${r.dev}`)
        .sort()
        .join("\n"),
    });
  }
  return facts;
}

function networkUnit(m: Machine, plan: NetPlan, role: SysctlRole): UnitSpec {
  return {
    machine: m.name,
    unit: "network",
    files: [
      {
        name: "interfaces",
        target: "/etc/network/interfaces.d/homelab",
        mode: "0644",
        content: renderIfupdown(plan),
      },
      {
        name: "converge.sh",
        target: "/etc/homelab/net-converge.sh",
        mode: "0755",
        content: renderNetConverge(plan),
      },
      { name: "sysctl.conf", target: SYSCTL_PATH, mode: "0644", content: renderSysctl(role) },
    ],
    validate: [`sh -n "$STAGE/converge.sh" || fail "converge script does not parse"`],
    // -e: keys of absent modules (br_netfilter) are skipped, everything else must apply.
    activate: ["sysctl -e -q -p /etc/sysctl.d/90-homelab.conf", "sh /etc/homelab/net-converge.sh"],
    // Restoring the pre-adoption files: restarting the network from a script could cut the very
    // session that restores; the owner's files take effect at the next boot (or by hand).
    reload: [
      `echo ${shq("homelab: the network files are restored; they take effect at the next boot or with systemctl restart networking (not run here: it can cut this session)")}`,
    ],
    facts: networkFacts(plan),
  };
}

export function routerNetworkUnit(lab: Lab, r: Router): UnitSpec {
  return networkUnit(r.machine, routerNetPlan(lab, r), "router");
}

export function hypervisorNetworkUnit(h: Hypervisor): UnitSpec {
  return networkUnit(h.machine, hypervisorNetPlan(h), "hypervisor");
}

/**
 * A guest's static network. A Debian VM first came up from its cloud-init seed (the same addresses);
 * from the first apply on this unit owns the network: cloud-init stops writing it and its ifupdown
 * file goes, so the next boot does not configure every address twice.
 */
export function guestNetworkUnit(m: Machine): UnitSpec {
  const unit = networkUnit(m, guestNetPlan(m), "guest");
  if (m.kind !== "vm" || m.os !== "debian") return unit;
  return {
    ...unit,
    files: [
      ...unit.files,
      {
        name: "cloud-init-network.cfg",
        target: "/etc/cloud/cloud.cfg.d/99-homelab-network.cfg",
        mode: "0644",
        content: lines(
          generatedHeader(
            `${m.name} (cloud-init: the network belongs to the homelab network unit)`,
          ),
          "network: { config: disabled }",
        ),
      },
    ],
    activate: ["rm -f /etc/network/interfaces.d/50-cloud-init", ...unit.activate],
  };
}
