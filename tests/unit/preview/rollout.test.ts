import * as assert from "node:assert/strict";
import { INTENT_TYPE } from "../../../model/intent";
import type { RolloutIntent } from "../../../model/intent";
import { readEventLog } from "../../../preview/input";
import { renderReport } from "../../../preview/report";
import { rolloutSection } from "../../../preview/rollout";
import type { EventLog, PreviewStep } from "../../../preview/types";
import { talosRolloutIntent } from "../../../renderers/talos-rollout";
import { homeLab } from "../../support/labs";
import { withGate } from "../../support/talos-drive";

const urn = (type: string, name: string) =>
  `urn:pulumi:home::homelab::homelab:lab:HomeLab$${type}::${name}`;
const command = (name: string, op = "update"): PreviewStep => ({
  op,
  urn: urn("command:local:Command", name),
  newState: { type: "command:local:Command", inputs: {} },
});
/**
 * An event log as the engine writes it: the rollout record's resourcePreEvent carries its inputs
 * (the digest omits unchanged records, so the plan comes from here), then the final cancelEvent.
 */
function logWith(records: { name: string; intent: RolloutIntent }[]): EventLog {
  const lines = records.map((r, i) =>
    JSON.stringify({
      sequence: i + 1,
      resourcePreEvent: {
        metadata: {
          op: "same",
          urn: urn(INTENT_TYPE, r.name),
          type: INTENT_TYPE,
          old: { parent: "p", inputs: { version: 1, intent: r.intent } },
          new: { parent: "p", inputs: { version: 1, intent: r.intent } },
        },
        planning: true,
      },
    }),
  );
  lines.push(JSON.stringify({ sequence: records.length + 1, cancelEvent: {} }));
  return readEventLog(lines.join("\n"), "events.jsonl");
}

describe("preview: rollout order", () => {
  const t = withGate({ ...homeLab().talos!, talosVersion: "v1.13.10" }, 600, 2);
  const log = logWith([{ name: "homelab-rollout", intent: talosRolloutIntent("homelab", t) }]);

  it("lists the stages the change touches, in rollout order, with the gate (plan from the event log)", () => {
    const steps = [
      ...["cp1", "cp2", "cp3", "w1", "w2", "w3"].map((n) => command(`homelab-talos-${n}-upgrade`)),
      command("homelab-talos-w3-apply"),
    ];
    assert.deepEqual(rolloutSection(steps, log), [
      "#### Rollout order",
      "",
      "**talos:homelab**: Talos cluster homelab: control planes one at a time, then 2 workers at a time. Each stage starts after the previous one passed its gate: back on v1.13.10 over mTLS, kubelet healthy and, on control planes, a healthy voting etcd member; at most 600 s per node, otherwise the rollout stops at that node.",
      "",
      "1. Talos upgrade to v1.13.10: `talos-cp1` → `talos-cp2` → `talos-cp3` → `talos-w1` + `talos-w2` (together) → `talos-w3`",
      "2. Machine config (talosctl apply-config, without a reboot where Talos allows): `talos-w3`",
      "",
    ]);
  });

  it("a changed record in the digest wins over the log; a deleted one has no section", () => {
    const bumped = talosRolloutIntent("homelab", { ...t, talosVersion: "v1.13.11" });
    const record = (op: string): PreviewStep => ({
      op,
      urn: urn(INTENT_TYPE, "homelab-rollout"),
      newState:
        op === "delete" ? undefined : { type: INTENT_TYPE, inputs: { version: 1, intent: bumped } },
      oldState: { type: INTENT_TYPE },
    });
    const up = command("homelab-talos-cp1-upgrade");
    assert.match(
      rolloutSection([record("update"), up], log).join("\n"),
      /Talos upgrade to v1\.13\.11/,
    );
    assert.deepEqual(rolloutSection([record("delete"), up], log), []);
  });

  it("a wave without resource lists matches the members' own resources", () => {
    const wave: RolloutIntent = {
      kind: "rollout",
      name: "wave:hypervisors",
      description: "one machine at a time",
      gate: "the machine's units verified",
      phases: [{ name: "Converge", stages: ["hv1", "hv2", "hv3"].map((m) => ({ members: [m] })) }],
    };
    const section = rolloutSection(
      [command("hv3-sshd-apply"), command("hv1-network-apply")],
      logWith([{ name: "lab-wave-hypervisors", intent: wave }]),
    );
    assert.equal(section[4], "1. Converge: `hv1` → `hv3`");
  });

  it("no section when no stage of any rollout changes", () => {
    assert.deepEqual(rolloutSection([command("gw1-firewall-apply")], log), []);
  });

  it("the comment carries the section between reachability and the changes by machine", () => {
    const text = renderReport(
      { steps: [command("homelab-talos-cp1-upgrade")], diagnostics: [] },
      log,
      { project: "homelab", stack: "home", exitCode: 0 },
    );
    const at = (s: string) => text.indexOf(s);
    assert.ok(at("#### Exposure and reachability") >= 0);
    assert.ok(at("#### Exposure and reachability") < at("#### Rollout order"), text);
    assert.match(text, /1\. Talos upgrade to v1\.13\.10: `talos-cp1`\n/);
    assert.ok(at("#### Rollout order") < at("#### Changes by machine"), text);
  });
});
