/**
 * One shape for every homelab policy: a pure `check(view, config)` returning findings, turned into a
 * CrossGuard stack policy that applies waivers and reports each finding with its fix and id.
 */
import type {
  EnforcementLevel,
  PolicyConfigSchema,
  Severity,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { closest } from "../../model/messages";
import { buildView, LabView } from "./view";

export interface Finding {
  /** Stable id, used by waivers: e.g. `flow:dmz->hypervisors`. */
  readonly id: string;
  /** What is wrong, naming the path/host/port. */
  readonly message: string;
  /** The concrete fix. */
  readonly fix: string;
  /** The resource to attach the violation to, when there is one. */
  readonly urn?: string;
}

export interface Waiver {
  readonly finding: string;
  readonly reason: string;
  /** YYYY-MM-DD, inclusive. */
  readonly expires: string;
}

export interface RuleConfig {
  readonly waivers?: readonly Waiver[];
}

export interface HomelabRule<C extends RuleConfig = RuleConfig> {
  readonly name: string;
  /** Runs even when some intent records cannot be read (only the rule that reports them). */
  readonly judgesUnreadableIntents?: boolean;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly severity: Severity;
  readonly remediationSteps: string;
  /** Tunables besides `waivers` (which every rule has). */
  readonly config?: PolicyConfigSchema["properties"];
  readonly check: (view: LabView, config: C) => Finding[];
}

export const WAIVERS_SCHEMA: PolicyConfigSchema["properties"][string] = {
  type: "array",
  description:
    "Accepted findings: each needs the finding id (shown in the violation), a reason and an expiry date; an expired waiver is itself a violation.",
  items: {
    type: "object",
    properties: {
      finding: { type: "string", minLength: 1 },
      reason: { type: "string", minLength: 10 },
      // `format: date` is honoured by the engine's validator (gojsonschema's DateFormatChecker parses
      // with Go's time.Parse("2006-01-02"), which refuses month 13 or 30 February), so
      // --policy-pack-config is refused before any policy runs; applyWaivers checks it again.
      expires: { type: "string", format: "date", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
    },
    required: ["finding", "reason", "expires"],
    additionalProperties: false,
  },
  default: [],
};

/** True for a real calendar date written YYYY-MM-DD (`2099-99-99` and `2026-02-30` are not). */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

/** Today's date (YYYY-MM-DD, UTC); replaceable in tests. */
export const clock = { today: (): string => new Date().toISOString().slice(0, 10) };

export function formatFinding(f: Finding): string {
  return `${f.message} Fix: ${f.fix} [finding ${f.id}]`;
}

/** Applies waivers: waived findings disappear; expired waivers of present findings are findings. */
export function applyWaivers(
  rule: string,
  findings: readonly Finding[],
  waivers: readonly Waiver[],
  today: string,
): Finding[] {
  const out: Finding[] = [];
  for (const f of findings) {
    const w = waivers.find((x) => x.finding === f.id);
    if (!w) {
      out.push(f);
    } else if (!isCalendarDate(w.expires)) {
      // Compared as text, "2099-99-99" would never expire: a waiver without a real date waives nothing.
      out.push({
        id: f.id,
        urn: f.urn,
        message: `The waiver for ${f.id} has expiry ${JSON.stringify(w.expires)}, which is not a calendar date, so it does not apply: ${f.message}`,
        fix: `${f.fix} Or give the waiver in the ${rule} policy config a real expiry date (YYYY-MM-DD).`,
      });
    } else if (w.expires < today) {
      out.push({
        id: f.id,
        urn: f.urn,
        message: `The waiver for ${f.id} expired on ${w.expires} (reason given: "${w.reason}"), so this finding counts again: ${f.message}`,
        fix: `${f.fix} Or, if the risk is still accepted, renew the waiver in the ${rule} policy config with a new expiry date.`,
      });
    }
  }
  return out;
}

/** A policy-config option this rule does not have (never waivable: it is about the config itself). */
export function unknownOptionMessage(rule: string, key: string, known: readonly string[]): string {
  const guess = closest(key, known);
  return `The ${rule} policy config has the option ${JSON.stringify(key)}, which this policy does not have; expected ${known
    .map((k) => JSON.stringify(k))
    .sort()
    .join(
      ", ",
    )} or enforcementLevel. Fix: ${guess ? `Did you mean ${JSON.stringify(guess)}?` : "Remove it."} Check the file with \`npm run policy-config -- check <file>\`.`;
}

export function toPolicy<C extends RuleConfig>(rule: HomelabRule<C>): StackValidationPolicy {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    severity: rule.severity,
    remediationSteps: rule.remediationSteps,
    configSchema: { properties: { ...(rule.config ?? {}), waivers: WAIVERS_SCHEMA } },
    validateStack: (args: StackValidationArgs, report) => {
      const config = args.getConfig<C>();
      // The engine validates options against the schema but lets unknown ones through (its schema
      // has no additionalProperties): a misspelt option (`wavers`) would silently do nothing.
      const known = ["waivers", ...Object.keys(rule.config ?? {})];
      for (const key of Object.keys(config).sort()) {
        if (!known.includes(key)) report(unknownOptionMessage(rule.name, key, known));
      }
      const view = buildView(args.resources);
      // A lab whose intent records this pack cannot read cannot be judged: intent-records-current
      // reports it (mandatory) and every other rule refrains from judging a partial picture.
      if (view.problems.length > 0 && !rule.judgesUnreadableIntents) return;
      const findings = applyWaivers(
        rule.name,
        rule.check(view, config),
        config.waivers ?? [],
        clock.today(),
      );
      for (const f of findings) report(formatFinding(f), f.urn);
    },
  };
}
