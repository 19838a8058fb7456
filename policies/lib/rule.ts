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
      expires: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
    },
    required: ["finding", "reason", "expires"],
    additionalProperties: false,
  },
  default: [],
};

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
