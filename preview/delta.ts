/**
 * The exposure and reachability delta: what the change does to the internet's view of the lab and
 * to the flows between zones, computed from the intent records on both sides of the preview, each
 * row marked with the policy that judged it (by the finding ids the policies print).
 */
import type { ExposureIntent, Intent, MachineIntent, RouterIntent } from "../model/intent";
import { formatPorts } from "../model/net";
import type { PolicyViolation } from "./policy";
import { intents } from "./resources";
import type { PreviewStep } from "./types";

export interface DeltaRow {
  readonly change: string;
  readonly what: string;
  /** Finding ids this row would be judged by, for "blocked by" marks. */
  readonly findings: readonly string[];
}

function flowKey(f: RouterIntent["flows"][number]): string {
  return `${f.from}->${f.to} ${formatPorts(f.ports)} ${f.toAddresses.join(",")}`;
}

export function exposureDelta(steps: readonly PreviewStep[]): DeltaRow[] {
  const before = intents(steps, "old");
  const after = intents(steps, "new");
  const rows: DeltaRow[] = [];
  const routers = (xs: Intent[]) => xs.filter((i): i is RouterIntent => i.kind === "router");
  const exps = (xs: Intent[]) => xs.filter((i): i is ExposureIntent => i.kind === "exposure");
  const machines = (xs: Intent[]) => xs.filter((i): i is MachineIntent => i.kind === "machine");

  const pfKey = (r: string, p: RouterIntent["portForwards"][number]) =>
    `${r} ${p.protocol}/${p.publicPort} ${p.targetAddress}:${p.targetPort}`;
  const pfs = (xs: RouterIntent[]) =>
    new Map(
      xs.flatMap((r) => r.portForwards.map((p) => [pfKey(r.name, p), { r: r.name, p }] as const)),
    );
  const oldPf = pfs(routers(before));
  const newPf = pfs(routers(after));
  for (const [k, { r, p }] of newPf) {
    if (!oldPf.has(k)) {
      rows.push({
        change: "➕ newly internet-reachable",
        what: `${p.protocol}/${p.publicPort} on ${r} → ${p.service} at ${p.targetAddress}:${p.targetPort} (zone ${p.targetZone})`,
        findings: [
          `port-forward:${r}:${p.protocol}/${p.publicPort}`,
          `api:${r}:${p.protocol}/${p.publicPort}`,
        ],
      });
    }
  }
  for (const [k, { r, p }] of oldPf) {
    if (!newPf.has(k))
      rows.push({
        change: "➖ no longer internet-reachable",
        what: `${p.protocol}/${p.publicPort} on ${r} → ${p.service}`,
        findings: [],
      });
  }

  const ex = (xs: ExposureIntent[]) =>
    new Map(
      xs.map((e) => [`${e.hostname} ${e.entryService} ${e.record?.content ?? ""}`, e] as const),
    );
  const oldEx = ex(exps(before));
  const newEx = ex(exps(after));
  for (const [k, e] of newEx) {
    if (!oldEx.has(k)) {
      rows.push({
        change: "➕ newly public name",
        what: `${e.hostname} (${e.via}) → ${e.entryService}${e.entryZone ? ` in ${e.entryZone}` : ""}${e.record ? `, ${e.record.type} ${e.record.content}` : ""}`,
        findings: [`exposure:${e.service}`, `dns-record:${e.hostname}`],
      });
    }
  }
  for (const [k, e] of oldEx)
    if (!newEx.has(k)) rows.push({ change: "➖ no longer public", what: e.hostname, findings: [] });

  const flows = (xs: RouterIntent[]) =>
    new Map(xs.flatMap((r) => r.flows.map((f) => [flowKey(f), f] as const)));
  const oldFlows = flows(routers(before));
  const newFlows = flows(routers(after));
  const flowText = (f: RouterIntent["flows"][number]) =>
    `${f.from} → ${f.to} on ${formatPorts(f.ports)} to ${f.toAddresses.length ? f.toAddresses.join(", ") : "any address"}${f.description ? ` (“${f.description}”)` : ""}`;
  for (const [k, f] of newFlows) {
    if (!oldFlows.has(k)) {
      rows.push({
        change: "➕ new flow",
        what: flowText(f),
        findings: [`flow:${f.from}->${f.to}`, `broad:${f.from}->${f.to}`, `wan-flow:${f.to}`],
      });
    }
  }
  for (const [k, f] of oldFlows)
    if (!newFlows.has(k)) rows.push({ change: "➖ removed flow", what: flowText(f), findings: [] });

  const zonesOf = (m: MachineIntent) =>
    [...new Set(m.addresses.map((a) => a.zone))].sort().join(", ");
  const oldM = new Map(machines(before).map((m) => [m.name, m]));
  for (const m of machines(after)) {
    const o = oldM.get(m.name);
    if (o && zonesOf(o) !== zonesOf(m)) {
      rows.push({
        change: "↔ machine zones changed",
        what: `${m.name}: ${zonesOf(o)} → ${zonesOf(m)}`,
        findings: [`multihomed:${m.name}`, `hypervisor-address:${m.name}`],
      });
    }
  }
  return rows;
}

function findingId(message: string): string | undefined {
  return /\[finding ([^\]]+)\]\s*$/.exec(message)?.[1];
}

/**
 * How the policies judged a row. `judged`: every policy pack ran to the end and its findings were
 * all read; otherwise a row without a finding is "not judged", never "allowed".
 */
export function statusOf(
  row: DeltaRow,
  violations: readonly PolicyViolation[],
  judged: boolean,
): string {
  const hit = violations.filter((v) => {
    const id = findingId(v.message);
    return id !== undefined && row.findings.some((f) => id === f || id.startsWith(`${f}`));
  });
  if (row.change.startsWith("➖")) return "—";
  if (hit.length === 0) return judged ? "✅ allowed" : "❔ not judged (see policy findings)";
  const blocking = hit.filter((v) => v.level === "mandatory");
  return blocking.length
    ? `❌ blocked by ${[...new Set(blocking.map((v) => `\`${v.policy}\``))].join(", ")}`
    : `⚠️ flagged by ${[...new Set(hit.map((v) => `\`${v.policy}\``))].join(", ")}`;
}
