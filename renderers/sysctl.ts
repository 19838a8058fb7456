/**
 * Kernel settings per role. The hypervisor file deliberately names no host: it is byte-identical on
 * every hypervisor (seed 000: drift starts with "just this one box" differences).
 */
import { generatedHeader, lines } from "./text";

export type SysctlRole = "router" | "hypervisor" | "guest";

export const SYSCTL_PATH = "/etc/sysctl.d/90-homelab.conf";

// Only network keys: they are per network namespace, so the simulated lab never changes its host.
const COMMON = [
  "net.ipv4.conf.all.accept_redirects = 0",
  "net.ipv4.conf.default.accept_redirects = 0",
  "net.ipv4.conf.all.send_redirects = 0",
  "net.ipv4.conf.all.accept_source_route = 0",
  "net.ipv4.conf.all.log_martians = 1",
  "net.ipv4.tcp_syncookies = 1",
];

export function renderSysctl(role: SysctlRole): string {
  switch (role) {
    case "router":
      return lines(
        generatedHeader("routers (sysctl)"),
        COMMON,
        "# route between zones; the nftables forward chain decides what may pass",
        "net.ipv4.ip_forward = 1",
        "net.ipv4.conf.all.rp_filter = 1",
        "net.ipv4.conf.default.rp_filter = 1",
      );
    case "hypervisor":
      return lines(
        generatedHeader("hypervisors (sysctl; identical on every hypervisor)"),
        COMMON,
        "# a hypervisor bridges guests but never routes between zones",
        "net.ipv4.ip_forward = 0",
        "net.ipv6.conf.all.forwarding = 0",
        "net.ipv4.conf.all.rp_filter = 1",
        "net.ipv4.conf.default.rp_filter = 1",
        "# bridged guest traffic is not filtered by the hypervisor's own firewall",
        "net.bridge.bridge-nf-call-iptables = 0",
        "net.bridge.bridge-nf-call-ip6tables = 0",
        "net.bridge.bridge-nf-call-arptables = 0",
      );
    case "guest":
      return lines(
        generatedHeader("hosts (sysctl)"),
        COMMON,
        "net.ipv4.ip_forward = 0",
        "net.ipv4.conf.all.rp_filter = 1",
        "net.ipv4.conf.default.rp_filter = 1",
      );
  }
}
