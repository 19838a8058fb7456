/**
 * Type tokens of every component, in one place: renaming one changes the URN of every child, so they
 * only change deliberately (with aliases).
 */
export const TOKENS = {
  lab: "homelab:index:Lab",
  router: "homelab:net:Router",
  hypervisor: "homelab:compute:Hypervisor",
  vm: "homelab:compute:Vm",
  linuxHost: "homelab:linux:Host",
  nixosHost: "homelab:nixos:Host",
  talosCluster: "homelab:talos:Cluster",
  workloads: "homelab:k8s:Workloads",
  publicDns: "homelab:dns:Public",
  configUnit: "homelab:ssh:ConfigUnit",
  intent: "homelab:intent:Record",
  verification: "homelab:verify:Probes",
} as const;
