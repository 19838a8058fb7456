/**
 * The two inputs of the preview report, as far as the report reads them:
 *
 * - the digest `pulumi preview --json` prints (`display.PreviewDigest` in pulumi/pulumi
 *   `pkg/backend/display/json.go`): the changed steps (unchanged ones are omitted) with their old
 *   and new states, the diagnostics and the change summary;
 * - the engine's `--event-log` (one `apitype.EngineEvent` per line, pulumi/pulumi
 *   `sdk/go/common/apitype/events.go`): the policy results, which the digest lacks, and a step event
 *   for every resource, unchanged ones included (their parents).
 *
 * preview/input.ts checks every field listed here before the report reads it.
 */
import type { RolloutIntent } from "../model/intent";

export interface StepState {
  readonly type?: string;
  /** URN of the parent resource (the component this resource belongs to). */
  readonly parent?: string;
  readonly inputs?: Record<string, unknown>;
  readonly outputs?: Record<string, unknown>;
}

export interface PreviewStep {
  readonly op: string;
  readonly urn: string;
  readonly oldState?: StepState;
  readonly newState?: StepState;
  readonly diffReasons?: string[];
  readonly replaceReasons?: string[];
  readonly detailedDiff?: Record<string, unknown> | null;
}

export interface Diagnostic {
  readonly urn?: string;
  readonly message: string;
  readonly severity: string;
}

export interface PreviewDigest {
  readonly steps: PreviewStep[];
  readonly diagnostics: Diagnostic[];
  readonly changeSummary?: Record<string, number>;
}

/** `apitype.PolicyEvent`: one violation. */
export interface PolicyEvent {
  readonly policyName: string;
  readonly policyPackName: string;
  readonly policyPackVersion?: string;
  readonly enforcementLevel: string;
  readonly severity?: string;
  readonly message: string;
  readonly resourceUrn?: string;
}

/** `apitype.PolicyAnalyzeStackSummaryEvent` (stack policies) or `PolicyAnalyzeSummaryEvent` (one resource). */
export interface PolicySummaryEvent {
  readonly policyPackName: string;
  readonly policyPackVersion?: string;
  readonly resourceUrn?: string;
  readonly passed: string[];
  readonly failed: string[];
}

/** One event-log line, reduced to what the report reads. */
export interface EngineEvent {
  readonly sequence: number;
  readonly policyEvent?: PolicyEvent;
  readonly policyAnalyzeSummaryEvent?: PolicySummaryEvent;
  readonly policyAnalyzeStackSummaryEvent?: PolicySummaryEvent;
  /** `apitype.SummaryEvent`: `PolicyPacks` maps each pack that ran to its version. */
  readonly summaryEvent?: { readonly policyPacks: Record<string, string> };
  readonly diagnosticEvent?: { readonly message: string; readonly severity: string };
  /**
   * `resourcePreEvent` / `resOutputsEvent` metadata: a resource and its parent; for a rollout
   * intent record, its rollout plan (the digest omits unchanged records, the log has them all).
   */
  readonly resource?: {
    readonly urn: string;
    readonly type: string;
    readonly parent?: string;
    readonly rollout?: RolloutIntent;
  };
  /** `policyLoadEvent`: a policy pack started loading. */
  readonly policyLoad?: true;
  /** `cancelEvent`: the engine's last event; a log without it was cut off. */
  readonly cancel?: true;
}

export interface EventLog {
  /**
   * - `complete`: ends with the engine's final `cancelEvent`;
   * - `absent`: no event log (the preview stopped before the engine started);
   * - `incomplete`: cut off or partly unreadable (`problem` says where); `events` holds what was read.
   */
  readonly status: "complete" | "absent" | "incomplete";
  readonly events: readonly EngineEvent[];
  readonly problem?: string;
}
