import { POLICIES } from "../../policies/all";
import {
  evaluateStack,
  fromRecorded,
  PolicyPackConfig,
  StackResourceInput,
  Violation,
} from "./policy-harness";
import { homeConfig, runProgram } from "./program";

let home: Promise<StackResourceInput[]> | undefined;

/** The home stack's resources as the policy pack sees them (the real program under mocks), once. */
export function homeResources(): Promise<StackResourceInput[]> {
  home ??= runProgram(homeConfig()).then((r) => {
    if (r.error) throw r.error;
    return fromRecorded(r.resources);
  });
  return home;
}

export function violations(
  resources: readonly StackResourceInput[],
  config?: PolicyPackConfig,
): Violation[] {
  return evaluateStack(POLICIES, resources, { config }).violations;
}

/** Violations as compact lines: `policy/level: message`. */
export function lines(vs: readonly Violation[]): string[] {
  return vs.map((v) => `${v.policy}/${v.enforcementLevel}: ${v.message}`);
}

export const isIntent =
  (name: string) =>
  (r: StackResourceInput): boolean =>
    r.type === "homelab:intent:Record" && r.name === name;
