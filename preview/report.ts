/**
 * One Markdown pull-request comment per stack from `pulumi preview --json` (the digest) and its
 * `--event-log` (policy results, which the digest lacks). Pure: no I/O, deterministic.
 *
 * Order: a hidden marker (so a workflow edits the comment in place), the verdict, the change summary
 * with replacement and deletion warnings, policy findings, the exposure and reachability delta
 * computed from intent records, the rollout order (preview/rollout.ts), then the changes grouped by
 * host (collapsed). Every value passes through redaction (Pulumi's own `[secret]`, key material,
 * configured masks) and the comment is capped below GitHub's 65,536 characters.
 */
import type { ExposureIntent, Intent, MachineIntent, RouterIntent } from "../model/intent";
import { INTENT_TYPE } from "../model/intent";
import { RESOURCE_TYPES } from "../model/tokens";
import { formatPorts } from "../model/net";
import { lineDiff } from "./diff";
import { rolloutSection } from "./rollout";

export interface PreviewStep {
  readonly op: string;
  readonly urn: string;
  readonly oldState?: {
    type?: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
  };
  readonly newState?: {
    type?: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
  };
  readonly diffReasons?: string[];
  readonly replaceReasons?: string[];
  readonly detailedDiff?: Record<string, { kind: string }> | null;
}

export interface PreviewDigest {
  readonly steps?: PreviewStep[];
  readonly diagnostics?: { urn?: string; message?: string; severity?: string }[];
  readonly changeSummary?: Record<string, number>;
}

export interface PolicyViolation {
  readonly policy: string;
  readonly pack: string;
  readonly level: string;
  readonly severity: string;
  readonly message: string;
  readonly urn?: string;
}

export interface ReportOptions {
  readonly project: string;
  readonly stack: string;
  /** Exit code of `pulumi preview` (non-zero: failed or blocked). */
  readonly exitCode: number;
  /** Extra regular expressions whose matches are replaced by [redacted]. */
  readonly masks?: readonly RegExp[];
  /** Hard cap on the comment length (GitHub's limit is 65,536). */
  readonly maxChars?: number;
  /** stderr of the preview, for error context when the digest is empty. */
  readonly stderr?: string;
}

export const DEFAULT_MAX_CHARS = 60_000;

export function marker(project: string, stack: string): string {
  return `<!-- homelab-preview ${project}/${stack} -->`;
}

// ---------------------------------------------------------------------------------------------
// Inputs

/** Policy violations from event-log lines (one JSON engine event per line). */
export function policyViolations(eventLines: readonly string[]): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  const seen = new Set<string>();
  for (const line of eventLines) {
    if (!line.trim()) continue;
    let e: { policyEvent?: Record<string, unknown> };
    try {
      e = JSON.parse(line) as typeof e;
    } catch {
      continue;
    }
    const p = e.policyEvent;
    if (!p) continue;
    const text = (v: unknown, fallback: string) => (typeof v === "string" && v ? v : fallback);
    const message = text(p.message, "").trim();
    const v: PolicyViolation = {
      policy: text(p.policyName, "(unknown policy)"),
      pack: text(p.policyPackName, "(unknown pack)"),
      level: text(p.enforcementLevel, "advisory"),
      severity: text(p.severity, "unspecified"),
      // The engine prefixes the violation with the policy's description on its own line.
      message: (message.includes("\n") ? message.split("\n").slice(1) : [message]).join(" ").trim(),
      urn: typeof p.resourceUrn === "string" && p.resourceUrn ? p.resourceUrn : undefined,
    };
    const key = `${v.policy}\n${v.message}\n${v.urn ?? ""}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(v);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Redaction

const KEY_MATERIAL = [
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----/g,
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*/g,
  /\bv1:[A-Za-z0-9+/=]{16,}:[A-Za-z0-9+/=]{16,}\b/g, // Pulumi passphrase ciphertext
  /\b(ghp|gho|ghs|github_pat)_[A-Za-z0-9_]{20,}\b/g,
];

export function redact(text: string, masks: readonly RegExp[] = []): string {
  let out = text;
  for (const re of [...KEY_MATERIAL, ...masks]) {
    const global = re.global ? re : new RegExp(re.source, `${re.flags}g`);
    out = out.replace(global, "[redacted]");
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Helpers

const name = (urn: string) => urn.split("::").pop() ?? urn;
const type = (s: PreviewStep) =>
  s.newState?.type ?? s.oldState?.type ?? (s.urn.split("::")[2] ?? "").split("$").pop() ?? "";
const md = (s: string) => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

/** Steps that change something, one per resource (replacement halves folded into "replace"). */
function changes(steps: readonly PreviewStep[]): { urn: string; op: string; step: PreviewStep }[] {
  const byUrn = new Map<string, { urn: string; op: string; step: PreviewStep }>();
  for (const s of steps) {
    if (s.op === "same" || s.op === "read" || s.op === "refresh") continue;
    const op = ["create-replacement", "delete-replaced", "replace", "discard-replaced"].includes(
      s.op,
    )
      ? "replace"
      : s.op;
    const prev = byUrn.get(s.urn);
    if (!prev || op === "replace")
      byUrn.set(s.urn, { urn: s.urn, op, step: prev && s.op !== "replace" ? prev.step : s });
  }
  return [...byUrn.values()].sort((a, b) => name(a.urn).localeCompare(name(b.urn)));
}

function intentOf(state: PreviewStep["oldState"]): Intent | undefined {
  const v = (state?.outputs?.intent ?? state?.inputs?.intent) as Intent | undefined;
  return v && typeof v === "object" && "kind" in v ? v : undefined;
}

/** All intents of one side (old/new) of the preview, including unchanged ("same") records. */
function intents(steps: readonly PreviewStep[], side: "old" | "new"): Intent[] {
  return steps
    .filter((s) => type(s) === INTENT_TYPE)
    .map((s) =>
      intentOf(
        side === "old"
          ? s.op === "create"
            ? undefined
            : (s.oldState ?? s.newState)
          : s.op === "delete"
            ? undefined
            : (s.newState ?? s.oldState),
      ),
    )
    .filter((i): i is Intent => i !== undefined);
}

interface DeltaRow {
  readonly change: string;
  readonly what: string;
  /** Finding id this row would be judged by, for "blocked by" marks. */
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

function statusOf(row: DeltaRow, violations: readonly PolicyViolation[]): string {
  const hit = violations.filter((v) => {
    const id = findingId(v.message);
    return id !== undefined && row.findings.some((f) => id === f || id.startsWith(`${f}`));
  });
  if (row.change.startsWith("➖")) return "—";
  if (hit.length === 0) return "✅ allowed";
  const blocking = hit.filter((v) => v.level === "mandatory");
  return blocking.length
    ? `❌ blocked by ${[...new Set(blocking.map((v) => `\`${v.policy}\``))].join(", ")}`
    : `⚠️ flagged by ${[...new Set(hit.map((v) => `\`${v.policy}\``))].join(", ")}`;
}

/** Machine names the intents in the preview mention (machines, routers, hypervisors and their VMs, Talos nodes). */
function knownMachines(steps: readonly PreviewStep[]): string[] {
  const names = new Set<string>();
  for (const i of [...intents(steps, "old"), ...intents(steps, "new")]) {
    if (i.kind === "machine" || i.kind === "router") names.add(i.name);
    if (i.kind === "hypervisor") [i.name, ...i.vms].forEach((n) => names.add(n));
    if (i.kind === "talos") i.nodes.forEach((n) => names.add(n.name));
  }
  return [...names];
}

/**
 * The machine a resource belongs to: the longest known machine name its resource name starts with;
 * otherwise the part before a provisioning unit's or probe's name (`app1-sshd-apply` → app1); otherwise "lab".
 */
function groupOf(resource: string, machineNames: readonly string[]): string {
  const hit = machineNames
    .filter((m) => resource === m || resource.startsWith(`${m}-`))
    .sort((a, b) => b.length - a.length)[0];
  if (hit) return hit;
  const unit =
    /^(.+?)-(ssh|sshd|network|firewall|dns|layout|nixos|domain|db-users|intent|router-intent|hypervisor-intent|probes)([-.]|$)/.exec(
      resource,
    );
  return unit?.[1] ?? "lab";
}

/** The text of a file asset (`CopyToRemote` source), or undefined when secret, binary or absent. */
function assetText(state: PreviewStep["oldState"]): string | undefined {
  const src = state?.inputs?.source as { text?: unknown } | string | undefined;
  return src && typeof src === "object" && typeof src.text === "string" ? src.text : undefined;
}

/** A code fence longer than any backtick run in `text`, so content cannot close it. */
function fenced(lang: string, text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${lang}\n${text}\n${fence}`;
}

/** Type of the live-state observer (providers/live-state.ts). */
const LIVE_STATE = RESOURCE_TYPES.liveState;

const liveState = (state: PreviewStep["oldState"]) => {
  const v = state?.inputs?.state;
  return v && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
};

/**
 * A live-state update whose unit did not change: `pulumi preview --refresh` found the machine
 * different from the declared state (drift), and the update will repair it.
 */
function isDrift(s: PreviewStep): boolean {
  if (type(s) !== LIVE_STATE || !s.oldState?.inputs || !s.newState?.inputs) return false;
  const o = s.oldState.inputs;
  const n = s.newState.inputs;
  return o.token === n.token && o.applyId === n.applyId;
}

/** Drift as line diffs, live → declared, for each observed file or fact that differs. */
function driftDiff(step: PreviewStep): string | undefined {
  const live = liveState(step.oldState);
  const declared = liveState(step.newState);
  if (!live || !declared) return undefined;
  const parts: string[] = [];
  for (const key of Object.keys(declared)) {
    const before = live[key];
    const after = declared[key];
    if (typeof before !== "string" || typeof after !== "string" || before === after) continue;
    parts.push(`\`${key}\` (live → declared)\n\n${fenced("diff", lineDiff(before, after))}`);
  }
  return parts.length ? parts.join("\n\n") : undefined;
}

/** Readable diffs: rendered files that change, and drift found on the machines. */
function fileDiff(c: { op: string; step: PreviewStep }): string | undefined {
  if (c.op === "update" && isDrift(c.step)) return driftDiff(c.step);
  if (type(c.step) !== RESOURCE_TYPES.copyToRemote || (c.op !== "update" && c.op !== "replace"))
    return undefined;
  const remote = c.step.newState?.inputs?.remotePath ?? c.step.oldState?.inputs?.remotePath;
  const path = typeof remote === "string" ? remote : name(c.step.urn);
  const before = assetText(c.step.oldState);
  const after = assetText(c.step.newState);
  if (before === undefined || after === undefined)
    return `\`${path}\`: content not shown (secret or not text).`;
  const digestless = (t: string) => t.replace(/\b[0-9a-f]{64}\b/g, "<sha256>");
  if (before !== after && digestless(before) === digestless(after))
    return `\`${path}\`: only the checksums of the files it applies changed.`;
  const diff = lineDiff(before, after);
  return diff ? `\`${path}\`\n\n${fenced("diff", diff)}` : undefined;
}

function changedKeys(s: PreviewStep): string {
  const top = (k: string) => k.split(/[.[]/)[0]!;
  const keys = new Set(
    [
      ...(s.replaceReasons ?? []),
      ...(s.diffReasons ?? []),
      ...Object.keys(s.detailedDiff ?? {}),
    ].map(top),
  );
  if (keys.size === 0 && s.oldState?.inputs && s.newState?.inputs) {
    // No diff from the provider (component resources): compare the inputs' top-level keys.
    const o = s.oldState.inputs;
    const n = s.newState.inputs;
    for (const k of new Set([...Object.keys(o), ...Object.keys(n)])) {
      if (JSON.stringify(o[k]) !== JSON.stringify(n[k])) keys.add(k);
    }
  }
  return (
    [...keys]
      .sort()
      .map((k) => `\`${k}\``)
      .join(", ") || "—"
  );
}

// ---------------------------------------------------------------------------------------------
// Rendering

export function renderReport(
  digest: PreviewDigest,
  eventLines: readonly string[],
  opts: ReportOptions,
): string {
  const steps = digest.steps ?? [];
  const violations = policyViolations(eventLines);
  const changed = changes(steps);
  const count = (op: string) => changed.filter((c) => c.op === op).length;
  // The digest lists only changed steps (and the stack): the summary has the true "same" count.
  const unchanged = digest.changeSummary?.same ?? steps.filter((s) => s.op === "same").length;
  const blocked = violations.some((v) => v.level === "mandatory");
  const errors = (digest.diagnostics ?? []).filter((d) => d.severity === "error" && d.message);

  const verdict =
    opts.exitCode === 0
      ? changed.length === 0
        ? "✅ no changes"
        : "✅ preview succeeded"
      : blocked
        ? "❌ blocked by mandatory policies"
        : "❌ preview failed";

  const head: string[] = [
    marker(opts.project, opts.stack),
    `### Pulumi preview — \`${opts.project}/${opts.stack}\`: ${verdict}`,
    "",
    "| Create | Update | Replace | Delete | Unchanged |",
    "| ---: | ---: | ---: | ---: | ---: |",
    `| ${count("create")} | ${count("update")} | ${count("replace")} | ${count("delete")} | ${unchanged} |`,
    "",
  ];
  const machineNames = knownMachines(steps);
  const drifted = changed.filter((c) => c.op === "update" && isDrift(c.step));
  if (drifted.length) {
    const hosts = [...new Set(drifted.map((c) => groupOf(name(c.urn), machineNames)))].sort();
    head.push(
      `> [!WARNING]\n> **Drift:** ${drifted.length} unit${drifted.length === 1 ? "" : "s"} on ${hosts.map((h) => `**${h}**`).join(", ")} no longer match${drifted.length === 1 ? "es" : ""} the declared state (changed on the machine by hand or by other software); applying repairs ${drifted.length === 1 ? "it" : "them"}. Details below, live → declared.`,
      "",
    );
  }
  const replaced = changed.filter((c) => c.op === "replace");
  const deleted = changed.filter((c) => c.op === "delete");
  if (deleted.length) {
    // Per host: a removed machine is one line, not its twenty resources.
    const byHost = new Map<string, number>();
    for (const c of deleted)
      byHost.set(
        groupOf(name(c.urn), machineNames),
        (byHost.get(groupOf(name(c.urn), machineNames)) ?? 0) + 1,
      );
    const hosts = [...byHost.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([h, n]) => `**${h}** (${n} resource${n === 1 ? "" : "s"})`);
    head.push(
      `> [!WARNING]\n> **${deleted.length} deletion${deleted.length === 1 ? "" : "s"}** on ${hosts.join(", ")}. These resources leave the stack; nothing is removed from the machines themselves (files, domains and running VMs stay until removed by hand).`,
      "",
    );
  }
  if (replaced.length) {
    const commands = replaced.filter(
      (c) =>
        type(c.step) === RESOURCE_TYPES.remoteCommand ||
        type(c.step) === RESOURCE_TYPES.localCommand,
    );
    const others = replaced.filter((c) => !commands.includes(c));
    if (others.length)
      head.push(
        `> [!WARNING]\n> **${others.length} replacement${others.length === 1 ? "" : "s"}:** ${others.map((c) => `\`${name(c.urn)}\``).join(", ")}`,
        "",
      );
    if (commands.length)
      head.push(
        `> [!NOTE]\n> ${commands.length} provisioning command${commands.length === 1 ? "" : "s"} will re-run: ${commands.map((c) => `\`${name(c.urn)}\``).join(", ")}`,
        "",
      );
  }
  if (errors.length && !blocked) {
    head.push("#### Errors", "", ...errors.map((e) => `- ${md(e.message!.trim())}`), "");
  } else if (opts.exitCode !== 0 && !blocked && steps.length === 0 && opts.stderr?.trim()) {
    // The preview failed before the engine produced a digest (e.g. an invalid inventory).
    const tail = opts.stderr.trim().split("\n").slice(-40).join("\n");
    head.push("#### Errors", "", "```", tail.replace(/```/g, "'''"), "```", "");
  }

  const policy: string[] = [];
  if (violations.length) {
    const order = ["critical", "high", "medium", "low", "unspecified"];
    const sorted = [...violations].sort(
      (a, b) =>
        order.indexOf(a.severity) - order.indexOf(b.severity) || a.policy.localeCompare(b.policy),
    );
    policy.push(
      "#### Policy findings",
      "",
      "| Severity | Policy | Level | Resource | Finding and fix |",
      "| --- | --- | --- | --- | --- |",
      ...sorted.map(
        (v) =>
          `| ${v.severity} | \`${v.policy}\` | ${v.level} | ${v.urn ? `\`${name(v.urn)}\`` : "stack"} | ${md(v.message)} |`,
      ),
      "",
    );
  } else {
    policy.push("#### Policy findings", "", "None: every policy of the pack passed.", "");
  }

  const delta = exposureDelta(steps);
  const reach: string[] = ["#### Exposure and reachability", ""];
  if (delta.length) {
    reach.push(
      "| Change | What | Policies |",
      "| --- | --- | --- |",
      ...delta.map((r) => `| ${r.change} | ${md(r.what)} | ${statusOf(r, violations)} |`),
      "",
    );
  } else {
    reach.push("No change to internet exposure or to the flows between zones.", "");
  }

  const groups = new Map<string, typeof changed>();
  for (const c of changed) {
    const g = groupOf(name(c.urn), machineNames);
    groups.set(g, [...(groups.get(g) ?? []), c]);
  }
  /** One collapsed block per host, so truncation drops whole hosts. */
  const blocks: string[] = [];
  for (const g of [...groups.keys()].sort()) {
    const items = groups.get(g)!;
    const ops = ["create", "update", "replace", "delete"]
      .map((op) => [op, items.filter((i) => i.op === op).length] as const)
      .filter(([, n]) => n > 0)
      .map(([op, n]) => `${n} ${op}`)
      .join(", ");
    blocks.push(
      [
        `<details><summary><b>${g}</b>: ${ops}</summary>`,
        "",
        "| Resource | Type | Operation | Changed |",
        "| --- | --- | --- | --- |",
        ...items.map(
          (i) =>
            `| \`${name(i.urn)}\` | \`${type(i.step)}\` | ${i.op === "update" && isDrift(i.step) ? "update (repairs drift)" : i.op} | ${changedKeys(i.step)} |`,
        ),
        "",
        ...items.flatMap((i) => {
          const d = fileDiff(i);
          return d ? [d, ""] : [];
        }),
        "</details>",
        "",
      ].join("\n"),
    );
  }
  const footer = [
    "<sub>Secret values are redacted. Rendered by `npm run preview-report` (homelab-iac).</sub>",
    "",
  ];

  const assemble = (kept: string[], notice?: string) =>
    redact(
      [
        ...head,
        ...policy,
        ...reach,
        ...rolloutSection(steps),
        ...(kept.length ? ["#### Changes by host", "", ...kept] : []),
        ...(notice ? [notice, ""] : []),
        ...footer,
      ].join("\n"),
      opts.masks ?? [],
    );
  const max = opts.maxChars ?? DEFAULT_MAX_CHARS;
  // Over the cap: drop whole hosts from the end and say how many are not shown.
  for (let keep = blocks.length; keep >= 0; keep--) {
    const omitted = blocks.length - keep;
    const text = assemble(
      blocks.slice(0, keep),
      omitted
        ? `> [!NOTE]\n> Truncated to stay under GitHub's comment limit: the changes of ${omitted} host${omitted === 1 ? "" : "s"} are not shown; see the workflow log for the full preview.`
        : undefined,
    );
    if (text.length <= max) return text;
  }
  // Still too long (enormous findings): hard cut with a notice.
  const notice =
    "\n\n> [!NOTE]\n> Truncated to stay under GitHub's comment limit; see the workflow log for the full preview.\n";
  return assemble([]).slice(0, max - notice.length) + notice;
}
