/**
 * One Markdown pull-request comment per stack from `pulumi preview --json` (the digest) and its
 * `--event-log` (policy results and every resource's parent, which the digest lacks), both read and
 * checked by preview/input.ts. Pure: no I/O, deterministic.
 *
 * Order: a hidden marker (so a workflow edits the comment in place), the verdict, the change summary
 * with drift, deletion and replacement warnings, errors, the policy results (or why there are
 * none), the exposure and reachability delta computed from intent records, the rollout order of
 * the rollout intent records (preview/rollout.ts), then the changes grouped by machine (collapsed).
 * Every value passes through redaction (Pulumi's own `[secret]`, key material, configured masks)
 * and the comment is capped below GitHub's 65,536 characters.
 */
import { RESOURCE_TYPES } from "../model/tokens";
import { exposureDelta, statusOf } from "./delta";
import { fenced, fileDiffs, isAdoption, isDrift } from "./files";
import {
  policyRun,
  policySection,
  policyViolations,
  type PolicyRun,
  type PolicyViolation,
} from "./policy";
import { redact } from "./redact";
import { rolloutSection } from "./rollout";
import { changes, nameOf, parentGroups, typeOf, type Change, type GroupOf } from "./resources";
import type { EventLog, PreviewDigest } from "./types";

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

const md = (s: string) => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
const s = (n: number, one = "", many = "s") => (n === 1 ? one : many);
const list = (cs: readonly Change[]) => cs.map((c) => `\`${nameOf(c.urn)}\``).join(", ");

function verdict(
  opts: ReportOptions,
  changed: readonly Change[],
  run: PolicyRun,
  blocked: boolean,
): string {
  const unread = run.outcome === "unread";
  if (opts.exitCode !== 0) {
    if (blocked) return "❌ blocked by mandatory policies";
    return unread ? "❌ preview failed; policy findings could not be read" : "❌ preview failed";
  }
  const done = changed.length === 0 ? "✅ no changes" : "✅ preview succeeded";
  if (run.outcome === "judged") return done;
  return `${done}, but ${unread ? "⚠️ policy findings could not be read" : "⚠️ policies did not run"}`;
}

function opLabel(c: Change): string {
  if (c.op === "update" && isDrift(c.step)) return "update (repairs drift)";
  if (c.op === "update" && isAdoption(c.step)) return "update (first apply after adoption)";
  return c.op;
}

function warnings(changed: readonly Change[], groupOf: GroupOf): string[] {
  const out: string[] = [];
  const drifted = changed.filter((c) => c.op === "update" && isDrift(c.step));
  if (drifted.length) {
    const hosts = [...new Set(drifted.map((c) => groupOf(c.urn)))].sort();
    const n = drifted.length;
    out.push(
      `> [!WARNING]\n> **Drift:** ${n} unit${s(n)} on ${hosts.map((h) => `**${h}**`).join(", ")} no longer match${s(n, "es", "")} the declared state (changed on the machine by hand or by other software); applying repairs ${s(n, "it", "them")}. Details below, live → declared.`,
      "",
    );
  }
  const adopted = changed.filter((c) => c.op === "update" && isAdoption(c.step));
  if (adopted.length) {
    const hosts = [...new Set(adopted.map((c) => groupOf(c.urn)))].sort();
    const n = adopted.length;
    out.push(
      `> [!WARNING]\n> **First apply after adoption:** ${n} unit${s(n)} on ${hosts.map((h) => `**${h}**`).join(", ")} will be written for the first time. Details below, from the machine as it was recorded (preview with \`--refresh\` for its state now) to what will be written; units that can cut access are marked.`,
      "",
    );
  }
  const deleted = changed.filter((c) => c.op === "delete");
  if (deleted.length) {
    // Per machine: a removed machine is one line, not its twenty resources.
    const byGroup = new Map<string, number>();
    for (const c of deleted) byGroup.set(groupOf(c.urn), (byGroup.get(groupOf(c.urn)) ?? 0) + 1);
    const where = [...byGroup.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([h, n]) => `**${h}** (${n} resource${s(n)})`);
    out.push(
      `> [!WARNING]\n> **${deleted.length} deletion${s(deleted.length)}** on ${where.join(", ")}. These resources leave the stack; nothing is removed from the machines themselves (files, domains and running VMs stay until removed by hand).`,
      "",
    );
  }
  const replaced = changed.filter((c) => c.op === "replace");
  const isCommand = (c: Change) =>
    typeOf(c.step) === RESOURCE_TYPES.remoteCommand ||
    typeOf(c.step) === RESOURCE_TYPES.localCommand;
  const others = replaced.filter((c) => !isCommand(c));
  const commands = replaced.filter(isCommand);
  if (others.length)
    out.push(
      `> [!WARNING]\n> **${others.length} replacement${s(others.length)}:** ${list(others)}`,
      "",
    );
  if (commands.length)
    out.push(
      `> [!NOTE]\n> ${commands.length} provisioning command${s(commands.length)} will re-run: ${list(commands)}`,
      "",
    );
  return out;
}

function errorSection(digest: PreviewDigest, opts: ReportOptions, blocked: boolean): string[] {
  if (blocked) return [];
  const errors = digest.diagnostics
    .filter((d) => d.severity === "error")
    .map((d) => d.message.trim())
    .filter(Boolean);
  // The engine's closing "preview failed" says nothing the other errors do not.
  const telling = errors.filter((e) => !/^error: (preview|update) failed$/.test(e));
  if (errors.length)
    return ["#### Errors", "", fenced("", (telling.length ? telling : errors).join("\n\n")), ""];
  if (opts.exitCode !== 0 && digest.steps.length === 0 && opts.stderr?.trim()) {
    // The preview failed before the engine produced a digest (e.g. it could not load the stack).
    return [
      "#### Errors",
      "",
      fenced("", opts.stderr.trim().split("\n").slice(-40).join("\n")),
      "",
    ];
  }
  return [];
}

/**
 * The exposure and reachability section. The delta compares the intent records of both sides; when
 * the program did not get to register the whole lab (the preview failed and no stack policy ran,
 * which happens only once every resource is registered), the new side is partial.
 */
function reachSection(
  digest: PreviewDigest,
  opts: ReportOptions,
  run: PolicyRun,
  violations: readonly PolicyViolation[],
): string[] {
  const delta = exposureDelta(digest.steps);
  const whole = opts.exitCode === 0 || run.outcome === "judged";
  const out = ["#### Exposure and reachability", ""];
  if (!whole)
    out.push(
      delta.length
        ? "Partial: the preview failed before the whole lab was registered; these are the changes among what it registered."
        : "Not known: the preview failed before the whole lab was registered, so exposure and flows could not be compared.",
      "",
    );
  if (delta.length)
    out.push(
      "| Change | What | Policies |",
      "| --- | --- | --- |",
      ...delta.map(
        (r) =>
          `| ${r.change} | ${md(r.what)} | ${statusOf(r, violations, run.outcome === "judged")} |`,
      ),
      "",
    );
  else if (whole) out.push("No change to internet exposure or to the flows between zones.", "");
  return out;
}

function changedKeys(c: Change): string {
  const st = c.step;
  const top = (k: string) => k.split(/[.[]/)[0]!;
  const keys = new Set(
    [
      ...(st.replaceReasons ?? []),
      ...(st.diffReasons ?? []),
      ...Object.keys(st.detailedDiff ?? {}),
    ].map(top),
  );
  if (keys.size === 0 && st.oldState?.inputs && st.newState?.inputs) {
    // No diff from the provider (component resources): compare the inputs' top-level keys.
    const o = st.oldState.inputs;
    const n = st.newState.inputs;
    for (const k of new Set([...Object.keys(o), ...Object.keys(n)]))
      if (JSON.stringify(o[k]) !== JSON.stringify(n[k])) keys.add(k);
  }
  return (
    [...keys]
      .sort()
      .map((k) => `\`${k}\``)
      .join(", ") || "—"
  );
}

/** One collapsed block per machine (or lab-wide component), so truncation drops whole blocks. */
function machineBlocks(changed: readonly Change[], groupOf: GroupOf): string[] {
  const all = fileDiffs(changed);
  const diffs = new Map(changed.map((c, i) => [c, all[i]] as const));
  const groups = new Map<string, Change[]>();
  for (const c of changed) groups.set(groupOf(c.urn), [...(groups.get(groupOf(c.urn)) ?? []), c]);
  return [...groups.keys()].sort().map((g) => {
    const items = groups.get(g)!;
    const ops = ["create", "update", "replace", "delete"]
      .map((op) => [op, items.filter((i) => i.op === op).length] as const)
      .filter(([, n]) => n > 0)
      .map(([op, n]) => `${n} ${op}`)
      .join(", ");
    return [
      `<details><summary><b>${g}</b>: ${ops}</summary>`,
      "",
      "| Resource | Type | Operation | Changed |",
      "| --- | --- | --- | --- |",
      ...items.map(
        (i) =>
          `| \`${nameOf(i.urn)}\` | \`${typeOf(i.step)}\` | ${opLabel(i)} | ${changedKeys(i)} |`,
      ),
      "",
      ...items.flatMap((i) => (diffs.get(i) ? [diffs.get(i)!, ""] : [])),
      "</details>",
      "",
    ].join("\n");
  });
}

export function renderReport(digest: PreviewDigest, log: EventLog, opts: ReportOptions): string {
  const steps = digest.steps;
  const violations = policyViolations(log);
  const run = policyRun(digest, log);
  const changed = changes(steps);
  const groupOf = parentGroups(steps, log);
  const count = (op: string) => changed.filter((c) => c.op === op).length;
  // The digest lists only changed steps (and the stack): the summary has the true "same" count.
  const unchanged = digest.changeSummary?.same ?? steps.filter((x) => x.op === "same").length;
  const blocked = violations.some((v) => v.level === "mandatory");

  const head = [
    marker(opts.project, opts.stack),
    `### Pulumi preview — \`${opts.project}/${opts.stack}\`: ${verdict(opts, changed, run, blocked)}`,
    "",
    "| Create | Update | Replace | Delete | Unchanged |",
    "| ---: | ---: | ---: | ---: | ---: |",
    `| ${count("create")} | ${count("update")} | ${count("replace")} | ${count("delete")} | ${unchanged} |`,
    "",
    ...warnings(changed, groupOf),
    ...errorSection(digest, opts, blocked),
    ...policySection(run, violations),
  ];
  return capped(
    [...head, ...reachSection(digest, opts, run, violations), ...rolloutSection(steps, log)],
    machineBlocks(changed, groupOf),
    opts,
  );
}

/** The comment under the cap: whole machine blocks dropped from the end, then a hard cut. */
function capped(top: string[], blocks: string[], opts: ReportOptions): string {
  const footer = [
    "<sub>Secret values are redacted. Rendered by `npm run preview-report` (homelab-iac).</sub>",
    "",
  ];
  const assemble = (kept: string[], notice?: string) =>
    redact(
      [
        ...top,
        ...(kept.length ? ["#### Changes by machine", "", ...kept] : []),
        ...(notice ? [notice, ""] : []),
        ...footer,
      ].join("\n"),
      opts.masks ?? [],
    );
  const max = opts.maxChars ?? DEFAULT_MAX_CHARS;
  for (let keep = blocks.length; keep >= 0; keep--) {
    const omitted = blocks.length - keep;
    const text = assemble(
      blocks.slice(0, keep),
      omitted
        ? `> [!NOTE]\n> Truncated to stay under GitHub's comment limit: the changes of ${omitted} machine${s(omitted)} are not shown; see the workflow log for the full preview.`
        : undefined,
    );
    if (text.length <= max) return text;
  }
  // Still too long (enormous findings): hard cut with a notice.
  const notice =
    "\n\n> [!NOTE]\n> Truncated to stay under GitHub's comment limit; see the workflow log for the full preview.\n";
  return assemble([]).slice(0, max - notice.length) + notice;
}
