/**
 * Inventory loading: raw config values → parsed inventory → cross-reference validation → resolved Lab.
 * Every problem is collected (never just the first); on any problem no Lab is returned, so nothing
 * can be registered or applied. Each section (sections/) holds its schema, checks and resolve step.
 */
import { byName as sortedEntries, Context, PartialInventory } from "./context";
import { INVENTORY_KEYS, Inventory, SECRET_KEYS } from "./inventory";
import type { Lab } from "./lab";
import { unknownKeyMessage } from "./messages";
import { Resolver } from "./resolver";
import { expectedOf, Issue, Issues } from "./schema";
import { checkCloudflare, resolveCloudflare } from "./sections/cloudflare";
import { checkDevices, deviceMachine } from "./sections/devices";
import { dnsRecords } from "./sections/dns";
import { checkFlowPaths, checkFlows, resolveFlows } from "./sections/flows";
import { labRouting } from "./routing";
import { checkHypervisors, resolveHypervisors } from "./sections/hypervisors";
import { checkHosts, collectMachines, machineFromSpec } from "./sections/machines";
import { checkRouters, resolveRouter, routerMachine } from "./sections/routers";
import { checkServices, resolveServices } from "./sections/services";
import { checkSshAccess } from "./sections/ssh";
import { checkTalos, resolveTalos } from "./sections/talos";
import { checkWaves, resolveWaves } from "./sections/waves";
import { checkZones } from "./sections/zones";

export { bridgeName, tapName } from "./sections/hypervisors";
export { derivedMac } from "./sections/machines";
export { parsePortSpec } from "./sections/flows";

export const NAMESPACE = "homelab";

export class InventoryError extends Error {
  constructor(readonly issues: readonly Issue[]) {
    super(formatIssues(issues));
    this.name = "InventoryError";
  }
}

export function formatIssues(issues: readonly Issue[]): string {
  const n = issues.length;
  const lines = issues.map((i) => `  - ${i.path}: ${i.message}`);
  return [
    `The homelab inventory has ${n} problem${n === 1 ? "" : "s"}; nothing was registered or applied.`,
    ...lines,
  ].join("\n");
}

export interface LoadResult {
  readonly lab?: Lab;
  readonly issues: readonly Issue[];
}

/**
 * Loads and validates an inventory. `raw` maps full config keys (`homelab:zones`) to plain values;
 * keys of other namespaces are ignored. `written(path)`, when given, is the text a scalar was written
 * as in the stack file, so that messages show values as the user wrote them.
 */
export function loadInventory(
  raw: Readonly<Record<string, unknown>>,
  written?: (path: string) => string | undefined,
): LoadResult {
  const issues = new Issues(written);
  const inv = parseInventory(raw, issues);
  validate(new Context(raw, inv, issues));
  if (!issues.empty) return { issues: issues.list };
  return { lab: resolve(inv as Inventory), issues: [] };
}

/** Throws InventoryError listing every problem; returns the resolved lab otherwise. */
export function loadInventoryOrThrow(raw: Readonly<Record<string, unknown>>): Lab {
  const result = loadInventory(raw);
  if (!result.lab) throw new InventoryError(result.issues);
  return result.lab;
}

function parseInventory(raw: Readonly<Record<string, unknown>>, issues: Issues): PartialInventory {
  const known = [...Object.keys(INVENTORY_KEYS), ...Object.keys(SECRET_KEYS)];
  for (const fullKey of Object.keys(raw).sort()) {
    if (!fullKey.startsWith(`${NAMESPACE}:`)) continue;
    const key = fullKey.slice(NAMESPACE.length + 1);
    if (!known.includes(key)) {
      issues.add(fullKey, unknownKeyMessage(key, known, `in the ${NAMESPACE} namespace`));
    }
  }
  const out: Record<string, unknown> = { failed: new Set<string>() };
  for (const [key, def] of Object.entries(INVENTORY_KEYS)) {
    const fullKey = `${NAMESPACE}:${key}`;
    const value = raw[fullKey];
    // A key left empty (`homelab:hosts:`) reaches the program as null, or as "" through the engine.
    const empty = value === null || (value === "" && def.schema.doc.kind !== "string");
    if (value === undefined || empty) {
      if (def.required) {
        issues.add(
          fullKey,
          `${empty ? "(empty)" : "(missing)"} is required; expected ${expectedOf(def.schema.doc)} (${def.schema.doc.description.replace(/\.$/, "")}). Set it in Pulumi.<stack>.yaml; see docs/config-reference.md.`,
        );
      } else if ("empty" in def) {
        out[key] = structuredClone(def.empty); // an optional collection: absent or empty is empty
      }
      continue;
    }
    const parsed = def.schema.parse(value, fullKey, issues);
    if (parsed !== undefined) out[key] = parsed;
    else (out.failed as Set<string>).add(key);
  }
  return out as PartialInventory;
}

/** Cross-section checks, in an order where each step's references are registered before use. */
function validate(ctx: Context): void {
  checkZones(ctx);
  collectMachines(ctx);
  checkRouters(ctx);
  checkHypervisors(ctx);
  checkHosts(ctx);
  checkDevices(ctx);
  checkSshAccess(ctx);
  checkFlows(ctx);
  checkFlowPaths(ctx);
  checkTalos(ctx);
  checkServices(ctx);
  checkCloudflare(ctx);
  checkWaves(ctx);
  ctx.checkRanges(); // last: every static address is claimed by now
}

/** The resolved lab (valid inventory only). */
function resolve(inv: Inventory): Lab {
  const r = new Resolver(inv);
  const zones = [...r.zoneMap.values()].sort((a, b) => a.name.localeCompare(b.name));
  const routerSpecs = Object.entries(inv.routers).sort(([a], [b]) => a.localeCompare(b));
  const { hypervisors, vms } = resolveHypervisors(r);
  const hosts = Object.entries(inv.hosts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, spec]) => machineFromSpec(r, name, "host", spec, `homelab:hosts.${name}`));
  const devices = sortedEntries(inv.devices).map(([name, spec]) => deviceMachine(r, name, spec));
  const machines = [
    ...routerSpecs.map(([name, spec]) => routerMachine(r, name, spec)),
    ...hypervisors.map((h) => h.machine),
    ...vms,
    ...hosts,
    ...devices,
  ].sort((a, b) => a.name.localeCompare(b.name));
  const byName = new Map(machines.map((m) => [m.name, m]));
  const talos = inv.talos ? resolveTalos(inv.talos, byName) : undefined;
  const services = resolveServices(inv.services, byName, zones, talos, routerSpecs, inv.cloudflare);
  const serviceByName = new Map(services.map((s) => [s.name, s]));
  const gateways = new Map(zones.flatMap((z) => (z.gateway ? [[z.name, z.gateway] as const] : [])));
  const routers = routerSpecs.map(([name, spec]) =>
    resolveRouter(name, spec, machines, serviceByName, gateways),
  );
  const routing = labRouting({ zones, routers });
  return {
    domain: inv.domain,
    adminUser: inv.ssh.adminUser,
    authorizedKeys: inv.ssh.authorizedKeys.map((k) => k.trim()),
    revertAfterSeconds: inv.ssh.revertAfterSeconds,
    zones,
    flows: resolveFlows(inv.flows, byName, serviceByName, routing),
    machines,
    routers,
    hypervisors,
    hosts,
    devices,
    talos,
    services,
    dnsRecords: dnsRecords(inv.domain, machines, talos, services),
    cloudflare: resolveCloudflare(inv.cloudflare),
    waves: resolveWaves(inv.waves),
  };
}
