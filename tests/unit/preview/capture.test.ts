import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { slimEvents, slimRefreshSteps } from "../../../scripts/capture-preview-fixtures";
import { REPO } from "../../support/stack";

describe("preview fixtures: capture", () => {
  it("drops only the refresh steps' states; other steps and digests without refresh stay as printed", () => {
    const printed = `{\n    "steps": [\n        {\n            "op": "same",\n            "urn": "a",\n            "newState": {"x": 1}\n        }\n    ]\n}\n`;
    assert.equal(slimRefreshSteps(printed), printed);
    const withRefresh = JSON.stringify({
      steps: [
        { op: "refresh", urn: "a", oldState: { x: 1 }, newState: { x: 1 } },
        { op: "update", urn: "b", oldState: { y: 1 }, newState: { y: 2 } },
      ],
      changeSummary: { update: 1 },
    });
    assert.deepEqual(JSON.parse(slimRefreshSteps(withRefresh)), {
      steps: [
        { op: "refresh", urn: "a" },
        { op: "update", urn: "b", oldState: { y: 1 }, newState: { y: 2 } },
      ],
      changeSummary: { update: 1 },
    });
  });

  it("the drift fixture keeps every refresh step (the report must skip them), without their states", () => {
    const digest = JSON.parse(
      readFileSync(
        path.join(REPO, "tests", "fixtures", "preview", "drift", "preview.json"),
        "utf8",
      ),
    ) as { steps: Record<string, unknown>[] };
    const refresh = digest.steps.filter((s) => s.op === "refresh");
    assert.equal(refresh.length, 133);
    assert.ok(refresh.every((s) => !("oldState" in s) && !("newState" in s)));
  });

  it("keeps the events the report reads, and of each step event only the resource and its parent", () => {
    const ev = (seq: number, body: Record<string, unknown>) =>
      JSON.stringify({ sequence: seq, timestamp: 7, ...body });
    const lines = [
      ev(0, { preludeEvent: { config: { "homelab:domain": "lab.arpa" } } }),
      ev(1, { policyLoadEvent: {} }),
      ev(2, {
        resourcePreEvent: {
          metadata: {
            op: "same",
            urn: "urn:a",
            type: "t",
            old: { parent: "urn:p", inputs: { big: "x" } },
            new: { parent: "urn:p", inputs: { big: "x" } },
            detailedDiff: null,
          },
          planning: true,
        },
      }),
      ev(3, { diagnosticEvent: { message: "debugging", severity: "debug" } }),
      ev(4, { diagnosticEvent: { message: "boom", severity: "error" } }),
      ev(5, { resOutputsEvent: { metadata: { op: "same", urn: "urn:a", type: "t" } } }),
      ev(6, { stdoutEvent: { message: "hi" } }),
      ev(7, { policyAnalyzeStackSummaryEvent: { policyPackName: "homelab", passed: ["a"] } }),
      ev(8, { summaryEvent: { PolicyPacks: { "homelab|local|policies": "0.1.0" } } }),
      ev(9, { cancelEvent: {} }),
      "",
    ];
    assert.deepEqual(
      slimEvents(lines).map((l) => JSON.parse(l) as Record<string, unknown>),
      [
        { sequence: 1, timestamp: 7, policyLoadEvent: {} },
        {
          sequence: 2,
          timestamp: 7,
          resourcePreEvent: {
            metadata: {
              op: "same",
              urn: "urn:a",
              type: "t",
              old: { parent: "urn:p" },
              new: { parent: "urn:p" },
            },
            planning: true,
          },
        },
        { sequence: 4, timestamp: 7, diagnosticEvent: { message: "boom", severity: "error" } },
        {
          sequence: 7,
          timestamp: 7,
          policyAnalyzeStackSummaryEvent: { policyPackName: "homelab", passed: ["a"] },
        },
        {
          sequence: 8,
          timestamp: 7,
          summaryEvent: { PolicyPacks: { "homelab|local|policies": "0.1.0" } },
        },
        { sequence: 9, timestamp: 7, cancelEvent: {} },
      ],
    );
  });
});
