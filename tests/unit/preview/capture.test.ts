import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { slimRefreshSteps } from "../../../scripts/capture-preview-fixtures";
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
});
