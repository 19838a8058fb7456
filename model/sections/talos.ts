/** `homelab:talos`: one Talos Linux Kubernetes cluster on machines with os talos. */
import type { Context } from "../context";
import { exactVersion, ipv4, name, shaped } from "../formats";
import type { Machine, TalosCluster } from "../lab";
import { show } from "../messages";
import { anyValue, bool, Infer, int, list, object, opt, req } from "../schema";

const patchList = (description: string) =>
  opt(list(anyValue({ description: "Patch." }), { description }));

export const talosSchema = object("A Talos Linux Kubernetes cluster.", {
  clusterName: req(name("Cluster name.")),
  vip: opt(
    ipv4(
      "Shared virtual IP of the control planes (Talos layer-2 VIP); the Kubernetes API endpoint.",
    ),
    undefined,
    "the first control plane's address",
  ),
  talosVersion: req(exactVersion("Talos version (installer image and talosctl).", "v1.13.9", true)),
  kubernetesVersion: req(exactVersion("Kubernetes version.", "v1.34.1", false)),
  controlPlanes: req(
    list(name("Machine name (os: talos)."), {
      description:
        "Control-plane machines (VMs or hosts with os talos): 1, 3 or 5, so that etcd keeps quorum.",
      minItems: 1,
      fix: "Name at least one machine with os talos as control plane.",
    }),
  ),
  workers: opt(list(name("Machine name (os: talos)."), { description: "Worker machines." }), []),
  installDisk: opt(
    shaped({
      description: "Disk Talos installs to.",
      format: "a device path like /dev/vda",
      re: /^\/dev\/[A-Za-z0-9/_.-]+$/,
      problem: "is not a device path",
      fix: "Write the disk's device path as Talos sees it, e.g. /dev/vda or /dev/nvme0n1.",
    }),
    "/dev/vda",
  ),
  loadBalancerPool: opt(
    object(
      "Addresses in the cluster's zone for Services of type LoadBalancer: kube-vip (installed by homelab-iac) announces each service's loadBalancerIP by ARP. Kept free of every static address and DHCP pool.",
      {
        start: req(ipv4("First address of the pool.")),
        end: req(ipv4("Last address of the pool.")),
      },
    ),
    undefined,
    "none: LoadBalancer services are refused (nothing would answer for their address)",
  ),
  allowSchedulingOnControlPlanes: opt(
    bool({ description: "Run workloads on control planes too (small clusters)." }),
    false,
  ),
  rollout: opt(
    object(
      "How version and machine-config changes roll through the nodes: control planes one at a time, then workers in batches, each node passing its health gate before the next starts.",
      {
        workersAtOnce: opt(
          int({
            description:
              "Workers upgraded or reconfigured at the same time (control planes always go one at a time).",
            min: 1,
            max: 100,
          }),
          1,
        ),
        healthTimeoutSec: opt(
          int({
            description:
              "Health gate after each node: how long the node may take to come back on the declared version (and, on a control plane, with a healthy etcd member) before the rollout stops at it.",
            min: 30,
            max: 7200,
          }),
          600,
        ),
      },
    ),
    { workersAtOnce: 1, healthTimeoutSec: 600 },
    "one worker at a time, 600 s health gate per node",
  ),
  patches: opt(
    object("Talos machine-config strategic-merge patches (validated against the Talos schema).", {
      all: patchList("Patches for every node."),
      controlPlane: patchList("Patches for control planes."),
      worker: patchList("Patches for workers."),
    }),
  ),
});
export type TalosSpec = Infer<typeof talosSchema>;

/** The owner name of the LoadBalancer pool's address range. */
export const LB_POOL = "the Talos LoadBalancer pool";

export function checkTalos(ctx: Context): void {
  const t = ctx.inv.talos;
  const talosMachines = [...ctx.machines.values()].filter((m) => m.os === "talos");
  if (!t) {
    if (ctx.inv.failed.has("talos")) return; // its own problems are already reported
    for (const m of talosMachines) {
      ctx.add(
        `${m.path}.os`,
        `"talos" but homelab:talos is not set; expected a cluster that lists this machine. Add homelab:talos or change the os.`,
      );
    }
    return;
  }
  const listed = new Map<string, string>();
  const zones = new Set<string>();
  for (const role of ["controlPlanes", "workers"] as const) {
    t[role].forEach((name, i) => {
      const path = `homelab:talos.${role}[${i}]`;
      const m = ctx.machineRef(path, name, "machine");
      if (!m) return;
      if (m.os !== "talos") {
        ctx.add(
          path,
          `${show(name)} runs ${m.os}; expected a machine with os talos. Set os: talos on ${m.path} or pick another machine.`,
        );
        return;
      }
      const prior = listed.get(name);
      if (prior) {
        ctx.add(
          path,
          `${show(name)} is already listed in ${prior}; expected each node once. Remove the duplicate.`,
        );
        return;
      }
      listed.set(name, path);
      const zone = ctx.machineZone(m);
      if (zone) zones.add(zone);
    });
  }
  for (const m of talosMachines) {
    if (!listed.has(m.name)) {
      ctx.add(
        `${m.path}.os`,
        `"talos" but the machine is in neither homelab:talos.controlPlanes nor workers; expected every Talos machine in the cluster. Add it to one of the lists.`,
      );
    }
  }
  if (zones.size > 1) {
    ctx.add(
      "homelab:talos",
      `nodes span zones ${[...zones].sort().join(", ")}; expected all nodes in one zone (Talos nodes and the VIP share one L2 network). Move the nodes into one zone.`,
    );
  }
  const zone = [...zones][0];
  if (zones.size === 1) ctx.clusterZone = zone;
  if (t.vip && zone) ctx.claimAddress("homelab:talos.vip", zone, t.vip, `the Talos VIP`);
  if (t.loadBalancerPool && zone) {
    const p = t.loadBalancerPool;
    ctx.claimRange("homelab:talos.loadBalancerPool", zone, p.start, p.end, LB_POOL);
  }
  const n = t.controlPlanes.length;
  if (![1, 3, 5].includes(n)) {
    const tolerated = Math.floor((n - 1) / 2);
    const why =
      n % 2 === 0
        ? `tolerates ${tolerated} failure${tolerated === 1 ? "" : "s"}, like ${n - 1} would (etcd needs a majority: ${n / 2 + 1} of ${n})`
        : "makes every etcd write wait for more members than a homelab needs";
    ctx.add(
      "homelab:talos.controlPlanes",
      `a list of ${n} control planes ${why}; expected 1, 3 or 5 control planes. Use ${n < 3 ? "1 (a single-node lab) or 3" : n < 5 ? "3" : "5"} and make the others workers.`,
    );
  }
  const clash = ctx.machines.get(t.clusterName);
  if (clash) {
    ctx.add(
      "homelab:talos.clusterName",
      `${show(t.clusterName)} is the name of ${clash.kind} ${clash.name}; expected a cluster name that is no machine name (both would be ${t.clusterName}.<domain>, one for the Kubernetes endpoint). Rename the cluster.`,
    );
  }
  for (const role of ["all", "controlPlane", "worker"] as const) {
    (t.patches?.[role] ?? []).forEach((p, i) => {
      if (p === null || typeof p !== "object" || Array.isArray(p)) {
        ctx.add(
          `homelab:talos.patches.${role}[${i}]`,
          `${show(p)} is not a mapping; expected a Talos machine-config patch like { machine: { ... } }. Write the patch as a YAML mapping.`,
        );
      }
    });
  }
}

export function resolveTalos(t: TalosSpec, machines: ReadonlyMap<string, Machine>): TalosCluster {
  const controlPlanes = t.controlPlanes.map((n) => machines.get(n)!);
  const workers = t.workers.map((n) => machines.get(n)!);
  const endpointAddress = t.vip ?? controlPlanes[0]!.interfaces[0]!.address;
  return {
    clusterName: t.clusterName,
    zone: controlPlanes[0]!.interfaces[0]!.zone,
    endpointAddress,
    endpoint: `https://${endpointAddress}:6443`,
    vip: t.vip,
    talosVersion: t.talosVersion,
    kubernetesVersion: t.kubernetesVersion.replace(/^v?/, "v"),
    installDisk: t.installDisk,
    allowSchedulingOnControlPlanes: t.allowSchedulingOnControlPlanes,
    loadBalancerPool: t.loadBalancerPool ? { ...t.loadBalancerPool } : undefined,
    controlPlanes,
    workers,
    patches: {
      all: t.patches?.all ?? [],
      controlPlane: t.patches?.controlPlane ?? [],
      worker: t.patches?.worker ?? [],
    },
    rollout: { ...t.rollout },
  };
}
