import * as assert from "node:assert/strict";
import { wavePredecessors, inWaveOrder, waveIntent } from "../../../renderers/waves";
import { homeLab } from "../../support/labs";

describe("model and plan: rollout waves", () => {
  const lab = homeLab([{ set: "homelab:waves.dns", value: { machines: ["hermes", "edge"] } }]);

  it("resolves each wave with its members in the listed order", () => {
    assert.deepEqual(lab.waves, [
      { name: "dns", machines: ["hermes", "edge"], description: undefined },
      {
        name: "hypervisors",
        machines: ["atlas", "jefke", "lewis"],
        description: "never two hypervisors down at once",
      },
    ]);
  });

  it("each member waits for the one before it; the first and machines outside waves for none", () => {
    assert.deepEqual(
      [...wavePredecessors(lab)],
      [
        ["edge", "hermes"],
        ["jefke", "atlas"],
        ["lewis", "jefke"],
      ],
    );
    assert.deepEqual(
      inWaveOrder(["lewis", "iris", "edge", "atlas", "hermes", "jefke"], (n) => n, lab),
      ["iris", "hermes", "edge", "atlas", "jefke", "lewis"],
    );
  });

  it("publishes a wave as a one-phase rollout, one member per stage", () => {
    assert.deepEqual(waveIntent(lab.waves[1]!), {
      kind: "rollout",
      name: "wave:hypervisors",
      description: "never two hypervisors down at once: atlas, jefke, lewis, one at a time",
      gate: "every unit of the machine before it applied and verified on the machine over a new SSH connection (its LiveState)",
      phases: [
        {
          name: "Converge one machine at a time",
          stages: [{ members: ["atlas"] }, { members: ["jefke"] }, { members: ["lewis"] }],
        },
      ],
    });
  });
});
