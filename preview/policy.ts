/**
 * What the policy packs said, decided from the event log only: the engine reports every violation
 * (`policyEvent`), and after asking a pack's stack policies a summary of which passed and failed
 * (`policyAnalyzeStackSummaryEvent`, pulumi/pulumi `pkg/resource/deploy/step_generator.go`). No
 * summary means those policies did not run — the program failed, the inventory was rejected, or
 * the engine stopped first — and the report says so instead of "passed". This pack's rules are all
 * stack policies (policies/lib/rule.ts), so a pack judged the stack only once its summary is in.
 */
import type { EventLog, PreviewDigest } from "./types";

export interface PolicyViolation {
  readonly policy: string;
  readonly pack: string;
  readonly level: string;
  readonly severity: string;
  readonly message: string;
  readonly urn?: string;
}

/** The violations in the log, each once (the engine may report one per resource and again). */
export function policyViolations(log: EventLog): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  const seen = new Set<string>();
  for (const e of log.events) {
    const p = e.policyEvent;
    if (!p) continue;
    const message = p.message.trim();
    const v: PolicyViolation = {
      policy: p.policyName || "(unnamed policy)",
      pack: p.policyPackName || "(unnamed pack)",
      level: p.enforcementLevel || "advisory",
      severity: p.severity || "unspecified",
      // The engine prefixes the violation with the policy's description on its own line.
      message: (message.includes("\n") ? message.split("\n").slice(1) : [message]).join(" ").trim(),
      urn: p.resourceUrn,
    };
    const key = `${v.policy}\n${v.message}\n${v.urn ?? ""}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(v);
    }
  }
  return out;
}

export interface PackRun {
  readonly name: string;
  readonly version?: string;
  /** The stack policies' summary; undefined when they did not run. */
  readonly stack?: { readonly passed: readonly string[]; readonly failed: readonly string[] };
}

export interface PolicyRun {
  /**
   * - `judged`: every pack that was loaded ran its stack policies, and every finding was read;
   * - `not-run`: the complete event log shows that the policies did not (all) run;
   * - `unread`: there is no event log, or it is cut off or unreadable: findings may be missing.
   */
  readonly outcome: "judged" | "not-run" | "unread";
  readonly packs: readonly PackRun[];
  /** Why the result is not a judgement. */
  readonly reason?: string;
}

/** The first error that explains a failed preview (not the engine's closing "preview failed"). */
export function firstError(digest: PreviewDigest, log: EventLog): string | undefined {
  const messages = [
    ...digest.diagnostics.filter((d) => d.severity === "error").map((d) => d.message),
    ...log.events.flatMap((e) =>
      e.diagnosticEvent?.severity === "error" ? [e.diagnosticEvent.message] : [],
    ),
  ];
  const line = messages
    .map((m) =>
      m
        .replace(/^error:\s*/, "")
        .trim()
        .split("\n")[0]!
        .trim(),
    )
    .find((m) => m && !/^(preview|update) failed$/.test(m));
  return line && line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/**
 * The summary event names a local pack `name|local|path` (pulumi/pulumi `pkg/engine/update.go`,
 * `LocalPolicyPack.NameForEvents`); the other events use the bare name.
 */
const packName = (key: string) => {
  const parts = key.split("|");
  return parts.length === 3 && parts[1] === "local" ? parts[0]! : key;
};

export function policyRun(digest: PreviewDigest, log: EventLog): PolicyRun {
  const packs = new Map<string, { version?: string; stack?: PackRun["stack"] }>();
  const pack = (name: string, version?: string) => {
    const p = packs.get(name) ?? {};
    packs.set(name, { ...p, version: p.version ?? version });
    return packs.get(name)!;
  };
  for (const e of log.events) {
    const s = e.policyAnalyzeStackSummaryEvent;
    if (s)
      pack(s.policyPackName, s.policyPackVersion).stack = { passed: s.passed, failed: s.failed };
    const r = e.policyAnalyzeSummaryEvent ?? e.policyEvent;
    if (r) pack(r.policyPackName, r.policyPackVersion);
    for (const [key, version] of Object.entries(e.summaryEvent?.policyPacks ?? {}))
      pack(packName(key), version);
  }
  const runs = [...packs.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, p]): PackRun => ({ name, ...p }));
  const error = firstError(digest, log);
  const because = error ? `: the preview failed first (${error})` : "";
  if (log.status === "absent")
    return {
      outcome: "unread",
      packs: runs,
      reason: `no event log (${log.problem}: the preview stopped before the engine started, or the path is wrong)`,
    };
  if (log.status === "incomplete")
    return {
      outcome: "unread",
      packs: runs,
      reason: `the event log is incomplete (${log.problem})`,
    };
  if (runs.length === 0) {
    const loaded = log.events.some((e) => e.policyLoad);
    return {
      outcome: "not-run",
      packs: runs,
      reason: loaded
        ? `a policy pack was loaded but never asked${because}`
        : error
          ? `no policy pack ran${because}`
          : "no policy pack ran (was `--policy-pack policies` given?)",
    };
  }
  const missing = runs.filter((p) => !p.stack).map((p) => `\`${p.name}\``);
  if (missing.length)
    return {
      outcome: "not-run",
      packs: runs,
      reason: `the stack policies of ${missing.join(", ")} did not run${because}`,
    };
  return { outcome: "judged", packs: runs };
}

const md = (s: string) => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function packLine(p: PackRun): string {
  const label = `Policy pack \`${p.name}\`${p.version ? ` ${p.version}` : ""}`;
  if (!p.stack) return `- ${label}: its stack policies did not run.`;
  const total = p.stack.passed.length + p.stack.failed.length;
  return p.stack.failed.length === 0
    ? `- ${label}: all ${plural(total, "policy", "policies")} passed.`
    : `- ${label}: ${p.stack.failed.length} of ${plural(total, "policy", "policies")} reported findings (${[
        ...p.stack.failed,
      ]
        .sort()
        .map((f) => `\`${f}\``)
        .join(", ")}).`;
}

/** The "Policy findings" section. */
export function policySection(run: PolicyRun, violations: readonly PolicyViolation[]): string[] {
  const out = ["#### Policy findings", ""];
  if (run.outcome === "unread")
    out.push(
      `> [!CAUTION]\n> **Policy findings could not all be read:** ${run.reason}. ${plural(violations.length, "finding")} read${violations.length ? " (below)" : ""}; there may be more, blocking ones included.`,
      "",
    );
  if (run.outcome === "not-run")
    out.push(
      `> [!CAUTION]\n> **Policies did not run:** ${run.reason}. Nothing in this preview was checked by the policy pack.`,
      "",
    );
  const ran = run.packs.filter((p) => p.stack);
  if (ran.length) out.push(...ran.map(packLine), "");
  if (violations.length) {
    const order = ["critical", "high", "medium", "low", "unspecified"];
    const sorted = [...violations].sort(
      (a, b) =>
        order.indexOf(a.severity) - order.indexOf(b.severity) || a.policy.localeCompare(b.policy),
    );
    out.push(
      "| Severity | Policy | Level | Resource | Finding and fix |",
      "| --- | --- | --- | --- | --- |",
      ...sorted.map(
        (v) =>
          `| ${v.severity} | \`${v.policy}\` | ${v.level} | ${v.urn ? `\`${v.urn.split("::").pop()}\`` : "stack"} | ${md(v.message)} |`,
      ),
      "",
    );
  }
  return out;
}
