import type { HomelabRule } from "../lib/rule";

export const intentRecordsCurrent: HomelabRule = {
  name: "intent-records-current",
  description:
    "Checks that every intent record is one this policy pack can read, because the other policies judge the lab from those records and refuse to judge a partial picture.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Use the policy pack from the same commit as the program (`--policy-pack policies` of this repository); after an upgrade, update both together.",
  judgesUnreadableIntents: true,
  check: (view) =>
    view.problems.map((p) => ({
      id: `intent:${p.urn}`,
      urn: p.urn,
      message: p.message,
      fix: "Run the policy pack that matches the program version.",
    })),
};
