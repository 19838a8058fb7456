/**
 * The inventory: what a homelabber writes in Pulumi.<stack>.yaml under the `homelab:` namespace.
 * Each section's schema lives in its module under sections/; this lists the keys. The schemas are the
 * single definition of every key: validation, the types below, docs/config-reference.md and
 * schema/inventory.schema.json are all derived from them.
 */
import type { Schema } from "./schema";
import { cloudflareSchema, CloudflareSpec } from "./sections/cloudflare";
import { DeviceSpec, devicesSchema } from "./sections/devices";
import { domainSchema } from "./sections/dns";
import { flowsSchema, FlowSpec } from "./sections/flows";
import { HypervisorSpec, hypervisorsSchema } from "./sections/hypervisors";
import { hostsSchema, MachineSpec } from "./sections/machines";
import { RouterSpec, routersSchema } from "./sections/routers";
import { servicesSchema, ServiceSpec } from "./sections/services";
import { sshSchema, SshSpec } from "./sections/ssh";
import { talosSchema, TalosSpec } from "./sections/talos";
import { wavesSchema, WavesSpec } from "./sections/waves";
import { zonesSchema, ZoneSpec } from "./sections/zones";

export type { CloudflareSpec } from "./sections/cloudflare";
export type { DeviceSpec } from "./sections/devices";
export type { FlowSpec } from "./sections/flows";
export type { BridgeSpec, HypervisorSpec, VmSpec } from "./sections/hypervisors";
export type { MachineSpec, NfsExportSpec, NicSpec, NixosSpec, Os } from "./sections/machines";
export type { PublicSpec } from "./sections/public";
export type { DhcpSpec, PortForwardSpec, RouterSpec, WanSpec } from "./sections/routers";
export type { KubernetesWorkloadSpec, ServicePort, ServiceSpec } from "./sections/services";
export type { HostSshSpec, PermitRootLogin, SshdSettings, SshSpec } from "./sections/ssh";
export { DEFAULT_SSHD } from "./sections/ssh";
export type { TalosSpec } from "./sections/talos";
export type { WavesSpec } from "./sections/waves";
export type { Trust, ZoneSpec } from "./sections/zones";
export { TRUST_LEVELS, TRUST_RANK } from "./sections/zones";

/** The whole inventory as parsed from config (before cross-reference validation). */
export interface Inventory {
  domain: string;
  ssh: SshSpec;
  zones: Record<string, ZoneSpec>;
  flows: FlowSpec[];
  routers: Record<string, RouterSpec>;
  hypervisors: Record<string, HypervisorSpec>;
  hosts: Record<string, MachineSpec>;
  devices: Record<string, DeviceSpec>;
  talos?: TalosSpec;
  services: Record<string, ServiceSpec>;
  cloudflare?: CloudflareSpec;
  waves?: WavesSpec;
}

/** Every key of the `homelab:` namespace the model reads, with its schema; `empty` is the value of
 * an optional collection that is absent or left empty. */
export const INVENTORY_KEYS = {
  domain: { required: true, schema: domainSchema as Schema<unknown> },
  ssh: { required: true, schema: sshSchema as Schema<unknown> },
  zones: { required: true, schema: zonesSchema as Schema<unknown> },
  flows: { required: false, schema: flowsSchema as Schema<unknown>, empty: [] },
  routers: { required: true, schema: routersSchema as Schema<unknown> },
  hypervisors: { required: false, schema: hypervisorsSchema as Schema<unknown>, empty: {} },
  hosts: { required: false, schema: hostsSchema as Schema<unknown>, empty: {} },
  devices: { required: false, schema: devicesSchema as Schema<unknown>, empty: {} },
  talos: { required: false, schema: talosSchema as Schema<unknown> },
  services: { required: false, schema: servicesSchema as Schema<unknown>, empty: {} },
  cloudflare: { required: false, schema: cloudflareSchema as Schema<unknown> },
  waves: { required: false, schema: wavesSchema as Schema<unknown> },
} as const;

/** Secret keys: declared, read by index.ts with requireSecret, never parsed into the model. */
export const SECRET_KEYS = {
  deployPrivateKey:
    "The deployer's SSH private key (OpenSSH format). Secret: `pulumi config set --secret homelab:deployPrivateKey < ~/.ssh/homelab_ed25519`.",
  talosSecrets:
    "Optional: an existing Talos cluster's secrets bundle (`secrets.yaml` of `talosctl gen secrets`), used instead of generating one, to adopt a running cluster. Secret: `pulumi config set --secret homelab:talosSecrets < secrets.yaml`; see README, Adopting an existing Talos cluster.",
} as const;
