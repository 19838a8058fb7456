/**
 * Captures the preview-report fixtures from real runs of the lab stack (`make lab` first):
 *   ts-node scripts/capture-preview-fixtures.ts [scenario...]
 * For each scenario it patches Pulumi.lab.yaml (or changes a host by hand), runs `pulumi preview
 * --policy-pack policies --json --event-log …` (with --refresh for drift), restores the config (or
 * repairs the host with `pulumi up --refresh`), and writes tests/fixtures/preview/<scenario>/:
 *   preview.json   the engine's --json digest, as printed; with --refresh, without the refresh
 *                  steps' old and new states (see slimRefreshSteps)
 *   events.jsonl   the event log reduced to what the report reads (see slimEvents): policy
 *                  results and summaries, non-debug diagnostics, each step's resource and parent,
 *                  the engine's summary and final event
 *   exit-code      the preview's exit code
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { driftByHand, labEnv, patchLabConfig } from "../tests/e2e/support";
import { PatchOp } from "../tests/support/patch";
import { spawnSync } from "node:child_process";

const ROOT = path.resolve(__dirname, "..");

interface Scenario {
  readonly what: string;
  readonly patch: PatchOp[];
  /** Changes made on the machines by hand before the preview (drift). */
  readonly onHosts?: () => void;
}

export const SCENARIOS: Record<string, Scenario> = {
  "no-change": { what: "the converged lab, nothing to do", patch: [] },
  "secure-change": {
    what: "a new narrow flow (mgmt may reach the app on its port): the router's ruleset and intent change",
    patch: [
      {
        set: "homelab:flows[6]",
        value: {
          from: "mgmt",
          to: "internal",
          toService: "app",
          description: "admins reach the app",
        },
      },
    ],
  },
  "insecure-change": {
    what: "a port-forward to the internal app host: blocked by dmz-only-ingress",
    patch: [
      { set: "homelab:routers.gw1.portForwards[2]", value: { publicPort: 8080, service: "app" } },
    ],
  },
  replacement: {
    what: "the VM gets more memory (its domain is redefined) and hypervisor hv2 is removed (deletions)",
    patch: [
      { set: "homelab:hypervisors.hv1.vms.proxy1.memoryMiB", value: 1024 },
      { delete: "homelab:hypervisors.hv2" },
    ],
  },
  rejected: {
    what: "an inventory the model rejects (a CIDR that is not one): the program fails before any policy runs",
    patch: [{ set: "homelab:zones.internal.cidr", value: "10.20.0.0/33" }],
  },
  drift: {
    what: "hand edits on the hosts, seen by preview --refresh: password SSH on app1, an extra accept rule on gw1",
    patch: [],
    onHosts: driftByHand,
  },
};

/**
 * Drops the old and new states of a digest's refresh steps (the steps themselves stay). The report
 * skips refresh steps, and they carry every resource's full state twice: 3.5 MB of the lab's drift
 * fixture. Digests without refresh steps are returned exactly as printed.
 */
export function slimRefreshSteps(digest: string): string {
  const doc = JSON.parse(digest) as { steps?: Record<string, unknown>[] };
  const refresh = (doc.steps ?? []).filter((s) => s.op === "refresh");
  if (refresh.length === 0) return digest;
  for (const step of refresh) {
    delete step.oldState;
    delete step.newState;
  }
  return `${JSON.stringify(doc, null, 4)}\n`;
}

/** Events the report reads whole (preview/input.ts). */
const KEPT = [
  "policyEvent",
  "policyLoadEvent",
  "policyAnalyzeSummaryEvent",
  "policyAnalyzeStackSummaryEvent",
  "summaryEvent",
  "cancelEvent",
];

/**
 * The event log reduced to what the preview report reads, in order, sequence numbers untouched:
 * the events in KEPT, non-debug diagnostics, and of each resourcePreEvent only the resource, its
 * type, its parent and a rollout intent record's plan (the full event carries every resource's
 * inputs and outputs: megabytes, the dynamic provider's source included). Everything else (prelude with the config, stdout, progress,
 * outputs events) is dropped.
 */
export function slimEvents(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as Record<string, unknown> & { sequence: number; timestamp: number };
    const stamp = { sequence: e.sequence, timestamp: e.timestamp };
    const kept = KEPT.find((k) => k in e);
    const diag = e.diagnosticEvent as { severity?: string } | undefined;
    const pre = e.resourcePreEvent as
      { metadata: Record<string, unknown>; planning?: boolean } | undefined;
    if (kept) out.push(JSON.stringify({ ...stamp, [kept]: e[kept] }));
    else if (diag && diag.severity !== "debug")
      out.push(JSON.stringify({ ...stamp, diagnosticEvent: diag }));
    else if (pre) {
      const m = pre.metadata;
      // Kept of a state: its parent, and a rollout intent record's plan (preview/rollout.ts).
      const parent = (s: unknown) => {
        if (!s || typeof s !== "object") return undefined;
        const st = s as { parent?: unknown; inputs?: { intent?: { kind?: unknown } } };
        const rollout = st.inputs?.intent?.kind === "rollout" ? st.inputs.intent : undefined;
        return "parent" in st
          ? { parent: st.parent, ...(rollout ? { inputs: { intent: rollout } } : {}) }
          : undefined;
      };
      out.push(
        JSON.stringify({
          ...stamp,
          resourcePreEvent: {
            metadata: {
              op: m.op,
              urn: m.urn,
              type: m.type,
              old: parent(m.old),
              new: parent(m.new),
            },
            ...(pre.planning ? { planning: true } : {}),
          },
        }),
      );
    }
  }
  return out;
}

function capture(name: string, scenario: Scenario): void {
  const dir = path.join(ROOT, "tests", "fixtures", "preview", name);
  mkdirSync(dir, { recursive: true });
  const log = path.join(dir, "events.full.jsonl");
  const restore = patchLabConfig(scenario.patch);
  scenario.onHosts?.();
  const refresh = scenario.onHosts ? ["--refresh"] : [];
  try {
    const r = spawnSync(
      "pulumi",
      [
        "preview",
        "--policy-pack",
        "policies",
        "--non-interactive",
        "--json",
        ...refresh,
        "--event-log",
        log,
      ],
      {
        cwd: ROOT,
        env: { ...labEnv(), PULUMI_DEBUG_COMMANDS: "true" },
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
      },
    );
    writeFileSync(path.join(dir, "preview.json"), slimRefreshSteps(r.stdout));
    writeFileSync(path.join(dir, "exit-code"), `${r.status}\n`);
    const kept = slimEvents(readFileSync(log, "utf8").split("\n"));
    writeFileSync(path.join(dir, "events.jsonl"), kept.length ? `${kept.join("\n")}\n` : "");
  } finally {
    restore();
    spawnSync("rm", ["-f", log]);
  }
  if (scenario.onHosts) {
    const up = spawnSync(
      "pulumi",
      ["up", "--yes", "--refresh", "--policy-pack", "policies", "--non-interactive"],
      {
        cwd: ROOT,
        env: labEnv(),
        encoding: "utf8",
      },
    );
    if (up.status !== 0) throw new Error(`repairing the drift failed:\n${up.stdout}${up.stderr}`);
  }
  console.log(`${name}: captured`);
}

if (require.main === module) {
  // Optionally only some scenarios: capture-preview-fixtures.ts rejected drift
  const only = process.argv.slice(2);
  const unknown = only.filter((n) => !(n in SCENARIOS));
  if (unknown.length)
    throw new Error(
      `unknown scenario ${unknown.join(", ")} (known: ${Object.keys(SCENARIOS).join(", ")})`,
    );
  for (const [name, s] of Object.entries(SCENARIOS))
    if (only.length === 0 || only.includes(name)) capture(name, s);
}
