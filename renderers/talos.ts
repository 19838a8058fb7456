/**
 * Talos machine-config patches per node, in Talos v1.13's multi-document form: install disk and image
 * (v1alpha1 Config), the node's NIC found by MAC and given its static address (LinkAliasConfig +
 * LinkConfig), hostname, resolver, the control planes' shared VIP (Layer2VIPConfig), then the user's
 * own patches. `talosctl gen config --config-patch` merges them onto the generated config.
 */
import type { Machine, TalosCluster } from "../model/lab";

export type TalosRole = "controlplane" | "worker";
export type TalosDoc = Record<string, unknown>;

/** Link alias the node's primary NIC gets, whatever the kernel names it. */
export const TALOS_LINK = "net0";

export function talosInstallImage(version: string): string {
  return `ghcr.io/siderolabs/installer:${version}`;
}

export function talosNodePatches(
  cluster: TalosCluster,
  node: Machine,
  role: TalosRole,
): TalosDoc[] {
  const nic = node.interfaces[0]!;
  const config: TalosDoc = {
    machine: {
      install: {
        disk: cluster.installDisk,
        image: talosInstallImage(cluster.talosVersion),
        wipe: false,
      },
    },
  };
  if (role === "controlplane") {
    config.cluster = { allowSchedulingOnControlPlanes: cluster.allowSchedulingOnControlPlanes };
  }
  const docs: TalosDoc[] = [
    config,
    { apiVersion: "v1alpha1", kind: "HostnameConfig", hostname: node.name },
    {
      apiVersion: "v1alpha1",
      kind: "LinkAliasConfig",
      name: TALOS_LINK,
      selector: { match: `mac(link.permanent_addr) == "${nic.mac}"` },
    },
    {
      apiVersion: "v1alpha1",
      kind: "LinkConfig",
      name: TALOS_LINK,
      up: true,
      addresses: [{ address: nic.cidrAddress }],
      routes: nic.gateway ? [{ gateway: nic.gateway }] : [],
    },
  ];
  if (nic.gateway) {
    docs.push({
      apiVersion: "v1alpha1",
      kind: "ResolverConfig",
      nameservers: [{ address: nic.gateway }],
    });
  }
  if (role === "controlplane" && cluster.vip) {
    docs.push({
      apiVersion: "v1alpha1",
      kind: "Layer2VIPConfig",
      name: cluster.vip,
      link: TALOS_LINK,
    });
  }
  const user = [
    ...cluster.patches.all,
    ...(role === "controlplane" ? cluster.patches.controlPlane : cluster.patches.worker),
  ];
  return [...docs, ...(user as TalosDoc[])];
}

/**
 * The installer image a node really gets: the last v1alpha1 patch (no `kind`) that sets
 * machine.install.image wins, as in `talosctl gen config --config-patch` (a later strategic merge
 * overrides an earlier one). A user patch pointing at an Image Factory installer with extensions is
 * therefore what `talosctl upgrade --image` uses too.
 */
export function talosEffectiveImage(docs: readonly TalosDoc[]): string | undefined {
  let image: string | undefined;
  for (const d of docs) {
    if ("kind" in d) continue;
    const install = (d.machine as { install?: { image?: unknown } } | undefined)?.install;
    if (typeof install?.image === "string") image = install.image;
  }
  return image;
}

/** Multi-document YAML (each document as JSON, which is valid YAML). Deterministic. */
export function renderTalosPatch(docs: readonly TalosDoc[]): string {
  return `${docs.map((d) => JSON.stringify(d)).join("\n---\n")}\n`;
}
