/**
 * Reads the report's inputs and checks, field by field, everything the report will read (one small
 * validator, below). Anything else is an InputError that names the file, the place in it, what was
 * found and what was expected: the report never renders input it did not understand (a garbage
 * digest must not become "no changes"). An event log that is cut off or partly unreadable is not an
 * error but a fact the report states: `readEventLog` keeps every event it could read and says where
 * the log stops making sense.
 */
import { INTENT_TYPE } from "../model/intent";
import type { RolloutIntent } from "../model/intent";
import type {
  Diagnostic,
  EngineEvent,
  EventLog,
  PolicyEvent,
  PolicySummaryEvent,
  PreviewDigest,
  PreviewStep,
  StepState,
} from "./types";

export class InputError extends Error {}

// ---------------------------------------------------------------------------------------------
// The validator: each check returns the value typed or throws an InputError naming the place.

type Check<T> = (v: unknown, at: string) => T;

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === "string")
    return v.length > 40 ? "a long string" : `the string ${JSON.stringify(v)}`;
  if (typeof v === "object") return "an object";
  if (typeof v === "number" || typeof v === "boolean") return `the ${typeof v} ${v}`;
  return "nothing (the field is missing)";
}

const fail = (at: string, expected: string, v: unknown): never => {
  throw new InputError(`${at}: expected ${expected}, got ${describe(v)}`);
};

const str: Check<string> = (v, at) => (typeof v === "string" ? v : fail(at, "a string", v));
const num: Check<number> = (v, at) =>
  typeof v === "number" && Number.isFinite(v) ? v : fail(at, "a number", v);
const obj: Check<Record<string, unknown>> = (v, at) =>
  v !== null && typeof v === "object" && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : fail(at, "an object", v);
const opt =
  <T>(check: Check<T>): Check<T | undefined> =>
  (v, at) =>
    v === undefined || v === null ? undefined : check(v, at);
const arr =
  <T>(check: Check<T>): Check<T[]> =>
  (v, at) =>
    Array.isArray(v) ? v.map((x, i) => check(x, `${at}[${i}]`)) : fail(at, "an array", v);
const rec =
  <T>(check: Check<T>): Check<Record<string, T>> =>
  (v, at) =>
    Object.fromEntries(Object.entries(obj(v, at)).map(([k, x]) => [k, check(x, `${at}.${k}`)]));

/** `{ a: check, ... }`: the object's listed fields checked (others are not read). */
const fields =
  (shape: Record<string, Check<unknown>>): Check<Record<string, unknown>> =>
  (v, at) => {
    const o = obj(v, at);
    for (const [k, check] of Object.entries(shape)) check(o[k], `${at}.${k}`);
    return o;
  };

const ports = arr(fields({ protocol: str, from: opt(num), to: opt(num) }));

/** The fields of intent records that the exposure delta reads (model/intent.ts). */
const INTENT_FIELDS: Record<string, Check<unknown>> = {
  router: fields({
    name: str,
    flows: arr(fields({ from: str, to: str, ports, toAddresses: arr(str), description: opt(str) })),
    portForwards: arr(
      fields({
        protocol: str,
        publicPort: num,
        service: str,
        targetAddress: str,
        targetPort: num,
        targetZone: str,
      }),
    ),
  }),
  exposure: fields({
    service: str,
    via: str,
    hostname: str,
    entryService: str,
    entryZone: opt(str),
    record: opt(fields({ type: str, content: str })),
  }),
  machine: fields({ name: str, addresses: arr(fields({ zone: str })) }),
};

const intent: Check<unknown> = (v, at) => {
  if (v === undefined || v === null) return v;
  const kind = str(obj(v, at).kind, `${at}.kind`);
  return INTENT_FIELDS[kind]?.(v, at) ?? v;
};

const state: Check<StepState> = (v, at) => {
  const o = obj(v, at);
  const s: StepState = {
    type: opt(str)(o.type, `${at}.type`),
    parent: opt(str)(o.parent, `${at}.parent`),
    inputs: opt(obj)(o.inputs, `${at}.inputs`),
    outputs: opt(obj)(o.outputs, `${at}.outputs`),
  };
  if (s.type === INTENT_TYPE) {
    intent(s.inputs?.intent, `${at}.inputs.intent`);
    intent(s.outputs?.intent, `${at}.outputs.intent`);
  }
  return s;
};

const step: Check<PreviewStep> = (v, at) => {
  const o = obj(v, at);
  return {
    op: str(o.op, `${at}.op`),
    urn: str(o.urn, `${at}.urn`),
    oldState: opt(state)(o.oldState, `${at}.oldState`),
    newState: opt(state)(o.newState, `${at}.newState`),
    diffReasons: opt(arr(str))(o.diffReasons, `${at}.diffReasons`),
    replaceReasons: opt(arr(str))(o.replaceReasons, `${at}.replaceReasons`),
    detailedDiff: opt(obj)(o.detailedDiff, `${at}.detailedDiff`),
  };
};

const diagnostic: Check<Diagnostic> = (v, at) => {
  const o = obj(v, at);
  return {
    urn: opt(str)(o.urn, `${at}.urn`),
    message: str(o.message, `${at}.message`),
    severity: str(o.severity, `${at}.severity`),
  };
};

/** Why JSON.parse failed, without quoting the input (it could hold anything). */
function jsonProblem(e: unknown, text: string): string {
  const msg = e instanceof Error ? e.message : String(e);
  const pos = Number(
    /at position (\d+)/.exec(msg)?.[1] ?? (/Unexpected token/.test(msg) ? 0 : NaN),
  );
  if (/Unexpected end of JSON input|Unterminated/.test(msg) || pos >= text.trimEnd().length)
    return "it is cut off";
  if (Number.isNaN(pos)) return "it is not valid JSON";
  const before = text.slice(0, pos).split("\n");
  return `it is not valid JSON at line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

// ---------------------------------------------------------------------------------------------
// The digest

/**
 * The digest printed by `pulumi preview --json`. An empty file is accepted only from a preview that
 * failed (it stopped before printing; its stderr explains); a successful preview always lists at
 * least the stack itself.
 */
export function readDigest(text: string, file: string, exitCode: number): PreviewDigest {
  if (text.trim() === "") {
    if (exitCode !== 0) return { steps: [], diagnostics: [] };
    throw new InputError(
      `${file}: empty, but the preview exited 0, and a successful \`pulumi preview --json\` always prints its digest. Pass the file its stdout was redirected to.`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(
      `${file}: ${jsonProblem(e, text)}; expected the one JSON document \`pulumi preview --json\` prints.`,
    );
  }
  const at = file;
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new InputError(
      `${file}: expected the JSON object \`pulumi preview --json\` prints, got ${describe(doc)}.`,
    );
  }
  const o = doc as Record<string, unknown>;
  const digest: PreviewDigest = {
    steps: opt(arr(step))(o.steps, `${at}: steps`) ?? [],
    diagnostics: opt(arr(diagnostic))(o.diagnostics, `${at}: diagnostics`) ?? [],
    changeSummary: opt(rec(num))(o.changeSummary, `${at}: changeSummary`),
  };
  if (exitCode === 0 && digest.steps.length === 0) {
    throw new InputError(
      `${file}: no steps, but the preview exited 0, and a successful preview always lists the stack itself; this is not the output of \`pulumi preview --json\`.`,
    );
  }
  return digest;
}

// ---------------------------------------------------------------------------------------------
// The event log

const policyEvent: Check<PolicyEvent> = (v, at) => {
  const o = obj(v, at);
  return {
    policyName: str(o.policyName, `${at}.policyName`),
    policyPackName: str(o.policyPackName, `${at}.policyPackName`),
    policyPackVersion: opt(str)(o.policyPackVersion, `${at}.policyPackVersion`),
    enforcementLevel: str(o.enforcementLevel, `${at}.enforcementLevel`),
    severity: opt(str)(o.severity, `${at}.severity`),
    message: str(o.message, `${at}.message`),
    resourceUrn: opt(str)(o.resourceUrn, `${at}.resourceUrn`) || undefined,
  };
};

const policySummary: Check<PolicySummaryEvent> = (v, at) => {
  const o = obj(v, at);
  return {
    policyPackName: str(o.policyPackName, `${at}.policyPackName`),
    policyPackVersion: opt(str)(o.policyPackVersion, `${at}.policyPackVersion`),
    resourceUrn: opt(str)(o.resourceUrn, `${at}.resourceUrn`) || undefined,
    passed: opt(arr(str))(o.passed, `${at}.passed`) ?? [],
    failed: opt(arr(str))(o.failed, `${at}.failed`) ?? [],
  };
};

/** A rollout intent (model/intent.ts RolloutIntent), field by field. */
const rolloutIntent: Check<RolloutIntent> = (v, at) => {
  const o = obj(v, at);
  return {
    kind: "rollout",
    name: str(o.name, `${at}.name`),
    description: str(o.description, `${at}.description`),
    gate: str(o.gate, `${at}.gate`),
    phases: arr((p, pat) => {
      const po = obj(p, pat);
      return {
        name: str(po.name, `${pat}.name`),
        stages: arr((st, sat) => {
          const so = obj(st, sat);
          return {
            members: arr(str)(so.members, `${sat}.members`),
            resources: opt(arr(str))(so.resources, `${sat}.resources`),
          };
        })(po.stages, `${pat}.stages`),
      };
    })(o.phases, `${at}.phases`),
  };
};

/**
 * resourcePreEvent/resOutputsEvent `metadata`: the resource, its type and its parent, and the plan
 * of a rollout intent record (from its new inputs; a deleted record has none).
 */
const stepMetadata = (v: unknown, at: string): NonNullable<EngineEvent["resource"]> => {
  const m = obj(obj(v, at).metadata, `${at}.metadata`);
  const parentOf = (s: unknown, where: string) =>
    s === undefined || s === null ? undefined : opt(str)(obj(s, where).parent, `${where}.parent`);
  const type = str(m.type, `${at}.metadata.type`);
  const intent =
    type === INTENT_TYPE && m.new !== undefined && m.new !== null
      ? (obj(m.new, `${at}.metadata.new`).inputs as { intent?: { kind?: unknown } } | undefined)
          ?.intent
      : undefined;
  return {
    urn: str(m.urn, `${at}.metadata.urn`),
    type,
    parent: parentOf(m.new, `${at}.metadata.new`) ?? parentOf(m.old, `${at}.metadata.old`),
    ...(intent?.kind === "rollout"
      ? { rollout: rolloutIntent(intent, `${at}.metadata.new.inputs.intent`) }
      : {}),
  };
};

function event(v: unknown, at: string): EngineEvent {
  const o = obj(v, at);
  const sequence = num(o.sequence, `${at}.sequence`);
  const e: { -readonly [K in keyof EngineEvent]: EngineEvent[K] } = { sequence };
  if (o.policyEvent !== undefined) e.policyEvent = policyEvent(o.policyEvent, `${at}.policyEvent`);
  if (o.policyAnalyzeSummaryEvent !== undefined)
    e.policyAnalyzeSummaryEvent = policySummary(
      o.policyAnalyzeSummaryEvent,
      `${at}.policyAnalyzeSummaryEvent`,
    );
  if (o.policyAnalyzeStackSummaryEvent !== undefined)
    e.policyAnalyzeStackSummaryEvent = policySummary(
      o.policyAnalyzeStackSummaryEvent,
      `${at}.policyAnalyzeStackSummaryEvent`,
    );
  if (o.summaryEvent !== undefined) {
    // apitype.SummaryEvent's field is `PolicyPacks` (no JSON tag upstream, hence PascalCase).
    const s = obj(o.summaryEvent, `${at}.summaryEvent`);
    e.summaryEvent = {
      policyPacks: opt(rec(str))(s.PolicyPacks, `${at}.summaryEvent.PolicyPacks`) ?? {},
    };
  }
  if (o.diagnosticEvent !== undefined) {
    const d = obj(o.diagnosticEvent, `${at}.diagnosticEvent`);
    e.diagnosticEvent = {
      message: str(d.message, `${at}.diagnosticEvent.message`),
      severity: str(d.severity, `${at}.diagnosticEvent.severity`),
    };
  }
  if (o.resourcePreEvent !== undefined)
    e.resource = stepMetadata(o.resourcePreEvent, `${at}.resourcePreEvent`);
  else if (o.resOutputsEvent !== undefined)
    e.resource = stepMetadata(o.resOutputsEvent, `${at}.resOutputsEvent`);
  if (o.policyLoadEvent !== undefined) e.policyLoad = true;
  if (o.cancelEvent !== undefined) e.cancel = true;
  return e;
}

/**
 * The `--event-log` of the preview: one engine event per line, sequence numbers increasing, the
 * last one the engine's `cancelEvent` (pulumi/pulumi `pkg/engine/update.go` sends it when the
 * operation ends, failed or not; `pkg/backend/display/display.go` writes each event as one JSON
 * line). `text` undefined: there is no log. Unreadable lines do not stop the reading: every event
 * that can be read is kept, and `problem` names the first line that could not be.
 */
export function readEventLog(text: string | undefined, file: string): EventLog {
  if (text === undefined)
    return { status: "absent", events: [], problem: `${file} does not exist` };
  const events: EngineEvent[] = [];
  const problems: string[] = [];
  const lines = text.split("\n");
  while (lines.length && lines[lines.length - 1]!.trim() === "") lines.pop();
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const at = `${file} line ${i + 1}`;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch (e) {
      problems.push(`${at}${i === lines.length - 1 ? " (the last)" : ""}: ${jsonProblem(e, line)}`);
      return;
    }
    try {
      const e = event(doc, at);
      const prev = events[events.length - 1];
      if (prev && e.sequence <= prev.sequence)
        problems.push(
          `${at}: sequence ${e.sequence} after ${prev.sequence} (lines out of order or logs mixed)`,
        );
      events.push(e);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push(err.message);
    }
  });
  if (events.length === 0 && problems.length === 0)
    problems.push(`${file} is empty: the engine wrote no events`);
  else if (!events[events.length - 1]?.cancel)
    problems.push(
      `${file} ends without the engine's final event (cut off after ${events.length} readable event${events.length === 1 ? "" : "s"})`,
    );
  if (problems.length === 0) return { status: "complete", events };
  const more = problems.length > 3 ? [`and ${problems.length - 3} more unreadable lines`] : [];
  return { status: "incomplete", events, problem: [...problems.slice(0, 3), ...more].join("; ") };
}
