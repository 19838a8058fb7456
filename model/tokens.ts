/**
 * Every Pulumi type token the program registers, in one place, for the components that register them,
 * the policy pack that judges them and the preview report that groups them. Renaming a component
 * token changes the URN of every child, so they only change deliberately (with aliases). No imports:
 * the policy pack and the preview report load this module too.
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
  loadBalancer: "homelab:k8s:LoadBalancer",
  publicDns: "homelab:dns:Public",
  configUnit: "homelab:ssh:ConfigUnit",
  intent: "homelab:intent:Record",
  verification: "homelab:verify:Probes",
} as const;

/** Custom resources of providers (and the dynamic provider) the components use. */
export const RESOURCE_TYPES = {
  remoteCommand: "command:remote:Command",
  copyToRemote: "command:remote:CopyToRemote",
  localCommand: "command:local:Command",
  /** providers/live-state.ts: a dynamic resource of module `homelab`, type `LiveState`. */
  liveState: "pulumi-nodejs:dynamic/homelab:LiveState",
  dnsRecord: "cloudflare:index/dnsRecord:DnsRecord",
  tunnelConfig:
    "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig",
  kubeService: "kubernetes:core/v1:Service",
  kubeDeployment: "kubernetes:apps/v1:Deployment",
} as const;
