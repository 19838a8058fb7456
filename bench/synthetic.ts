/**
 * Synthetic, valid inventories of any size for the scale benchmark (P4): one router, a hypervisor
 * per ten machines, Debian VMs spread over an internal and a DMZ zone, a proxy published through
 * the DMZ and an app behind it. `machines` counts every machine (router, hypervisors, VMs).
 */
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMmQBbL9XV2+y3UtdRXlCdvoj8SBcR6XDpmXwfzNTTuW";
const IMAGE = "/var/lib/libvirt/images/debian-12-genericcloud-amd64.qcow2";

const addr = (net: number, i: number) => `10.${net}.${Math.floor(i / 250)}.${(i % 250) + 2}`;

export function syntheticInventory(machines: number): Record<string, unknown> {
  if (machines < 4)
    throw new Error("a synthetic lab needs at least 4 machines (router, hypervisor, two VMs)");
  const hvCount = Math.max(1, Math.round((machines - 1) / 10));
  const vmCount = machines - 1 - hvCount;
  const hypervisors: Record<string, unknown> = {};
  for (let h = 0; h < hvCount; h++) {
    hypervisors[`hv${String(h + 1).padStart(3, "0")}`] = {
      zone: "hypervisors",
      address: addr(40, h),
      trunk: "enp3s0",
      bridges: [{ zone: "internal" }, { zone: "dmz" }],
      ssh: { hostKey: KEY },
      vms: {},
    };
  }
  const hvNames = Object.keys(hypervisors);
  for (let v = 0; v < vmCount; v++) {
    const zone = v % 2 === 0 ? "internal" : "dmz";
    const hv = hypervisors[hvNames[v % hvCount]!] as { vms: Record<string, unknown> };
    hv.vms[`vm${String(v + 1).padStart(4, "0")}`] = {
      os: "debian",
      vcpus: 1,
      memoryMiB: 1024,
      diskGiB: 10,
      image: IMAGE,
      nics: [{ zone, address: addr(zone === "internal" ? 20 : 30, v) }],
      ssh: { hostKey: KEY },
    };
  }
  return {
    "homelab:domain": "bench.arpa",
    "homelab:ssh": { adminUser: "root", authorizedKeys: [`${KEY} bench`] },
    "homelab:zones": {
      wan: { trust: "wan" },
      mgmt: { trust: "management", vlan: 10, cidr: "10.10.0.0/16", gateway: "10.10.0.1" },
      internal: { trust: "internal", vlan: 20, cidr: "10.20.0.0/16", gateway: "10.20.0.1" },
      dmz: { trust: "dmz", vlan: 30, cidr: "10.30.0.0/16", gateway: "10.30.0.1" },
      hypervisors: { trust: "hypervisor", vlan: 40, cidr: "10.40.0.0/16", gateway: "10.40.0.1" },
    },
    "homelab:flows": [
      { from: "mgmt", to: "hypervisors", ports: ["tcp/22"], description: "administration" },
      { from: "mgmt", to: "internal", ports: ["tcp/22"], description: "administration" },
      { from: "mgmt", to: "dmz", ports: ["tcp/22"], description: "administration" },
      { from: "hypervisors", to: "dmz", ports: ["tcp/22"], description: "guests" },
      { from: "dmz", to: "internal", toService: "app", description: "proxy to app" },
      { from: "internal", to: "wan", ports: ["tcp/80", "tcp/443"], description: "updates" },
    ],
    "homelab:routers": {
      gw1: {
        managementZone: "mgmt",
        trunk: "enp2s0",
        zones: ["mgmt", "internal", "dmz", "hypervisors"],
        wan: { interface: "enp1s0", address: "dhcp" },
        portForwards: [{ publicPort: 443, service: "proxy" }],
        ssh: { hostKey: KEY },
      },
    },
    "homelab:hypervisors": hypervisors,
    "homelab:services": {
      // vm0002 is the first DMZ VM, vm0001 the first internal one.
      proxy: { runsOn: { host: "vm0002" }, ports: [{ port: 443 }], dns: ["www"] },
      app: { runsOn: { host: "vm0001" }, ports: [{ port: 8080 }], dns: ["app"] },
    },
  };
}
