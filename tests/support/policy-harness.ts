/**
 * Policy test harness: builds complete stack-validation arguments the way the real analyzer server
 * does (props behind unknownCheckingProxy, getConfig, stackTags, notApplicable) and evaluates policies
 * with the server's semantics: enforcement from config > policy > pack, `disabled` skipped, an
 * UnknownValueError turning into an advisory "can't run during preview", notApplicable recorded.
 */
import type { EnforcementLevel, PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { unknownCheckingProxy, UnknownValueError } from "./unknowns";
import type { Recorded } from "./mocks";

export interface StackResourceInput {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: Record<string, unknown>;
}

export interface Violation {
  readonly policy: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly message: string;
  readonly urn?: string;
}

export interface EvalResult {
  readonly violations: Violation[];
  readonly notApplicable: { policy: string; reason?: string }[];
}

export type PolicyPackConfig = Record<
  string,
  EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)
>;

class NotApplicable extends Error {
  constructor(readonly reason?: string) {
    super(reason ?? "Policy does not apply");
  }
}

/** Strips Pulumi's secret wrappers, like deserializeProperties(…, keepSecrets=false) does. */
function unwrapSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270")
      return unwrapSecrets(o.value);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
  }
  return v;
}

/** Recorded mock resources as stack-policy input (an intent record's outputs equal its inputs). */
export function fromRecorded(resources: readonly Recorded[]): StackResourceInput[] {
  return resources
    .filter((r) => r.type !== "pulumi:pulumi:Stack")
    .map((r) => ({
      type: r.type,
      name: r.name,
      urn: r.urn ?? `urn:pulumi:test::homelab::${r.type}::${r.name}`,
      props: unwrapSecrets(r.inputs) as Record<string, unknown>,
    }));
}

function policyResource(r: StackResourceInput): PolicyResource {
  const props = unknownCheckingProxy<Record<string, unknown>>(structuredClone(r.props));
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    props,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  };
}

export function evaluateStack(
  policies: readonly StackValidationPolicy[],
  resources: readonly StackResourceInput[],
  opts: {
    config?: PolicyPackConfig;
    stackTags?: Record<string, string>;
    packEnforcement?: EnforcementLevel;
  } = {},
): EvalResult {
  const violations: Violation[] = [];
  const notApplicable: EvalResult["notApplicable"] = [];
  for (const p of policies) {
    const cfg = opts.config?.[p.name];
    const cfgObj = typeof cfg === "object" ? cfg : {};
    const level =
      (typeof cfg === "string" ? cfg : cfg?.enforcementLevel) ??
      p.enforcementLevel ??
      opts.packEnforcement ??
      "advisory";
    if (level === "disabled") continue;
    const { enforcementLevel: _ignored, ...properties } = cfgObj;
    void _ignored;
    const args = {
      resources: resources.map(policyResource),
      stackTags: new Map(Object.entries(opts.stackTags ?? { env: "test" })),
      getConfig: <T extends object>() => properties as T,
      notApplicable: (reason?: string): never => {
        throw new NotApplicable(reason);
      },
    };
    try {
      const r = p.validateStack(args, (message, urn) =>
        violations.push({ policy: p.name, enforcementLevel: level, message, urn }),
      );
      if (r instanceof Promise)
        throw new Error(`${p.name}: async policies are not expected in this pack`);
    } catch (e) {
      if (e instanceof UnknownValueError) {
        violations.push({
          policy: p.name,
          enforcementLevel: "advisory",
          message: `can't run policy '${p.name}' during preview: ${e.message}`,
        });
      } else if (e instanceof NotApplicable) {
        notApplicable.push({ policy: p.name, reason: e.reason });
      } else {
        throw e;
      }
    }
  }
  return { violations, notApplicable };
}

/** Replaces one resource's props (a mutation of the fixture), keeping the rest. */
export function mutate(
  resources: readonly StackResourceInput[],
  match: (r: StackResourceInput) => boolean,
  change: (props: Record<string, unknown>) => void,
): StackResourceInput[] {
  let hits = 0;
  const out = resources.map((r) => {
    if (!match(r)) return r;
    hits++;
    const props = structuredClone(r.props);
    change(props);
    return { ...r, props };
  });
  if (hits === 0) throw new Error("mutation matched no resource");
  return out;
}
