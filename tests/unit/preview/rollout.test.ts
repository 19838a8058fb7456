import * as assert from "node:assert/strict";
import { INTENT_TYPE } from "../../../model/intent";
import type { RolloutIntent } from "../../../model/intent";
import type { PreviewStep } from "../../../preview/report";
import { renderReport } from "../../../preview/report";
import { rolloutSection } from "../../../preview/rollout";
import { talosRolloutIntent } from "../../../renderers/talos-rollout";
import { homeLab } from "../../support/labs";
import { withGate } from "../../support/talos-drive";

const urn = (type: string, name: string) =>
  `urn:pulumi:lab::homelab::homelab:lab:HomeLab$${type}::${name}`;
const record = (name: string, intent: RolloutIntent, op = "same"): PreviewStep => ({
  op,
  urn: urn(INTENT_TYPE, name),
  newState: { type: INTENT_TYPE, inputs: { version: 1, intent }, outputs: { version: 1, intent } },
});
const command = (name: string, op = "update"): PreviewStep => ({
  op,
  urn: urn("command:local:Command", name),
  newState: { type: "command:local:Command", inputs: {} },
});

describe("preview: rollout order", () => {
  const t = withGate({ ...homeLab().talos!, talosVersion: "v1.13.10" }, 600, 2);
  const talos = record("homelab-rollout", talosRolloutIntent("homelab", t));

  it("lists the stages a Talos upgrade changes, in rollout order, with the gate", () => {
    const steps = [
      talos,
      ...["cp1", "cp2", "cp3", "w1", "w2", "w3"].map((n) => command(`homelab-talos-${n}-upgrade`)),
      command("homelab-talos-w3-apply"),
    ];
    assert.deepEqual(rolloutSection(steps), [
      "#### Rollout order",
      "",
      "**talos:homelab**: Talos cluster homelab: control planes one at a time, then 2 workers at a time. Each stage starts after the previous one passed its gate: back on v1.13.10 over mTLS, kubelet healthy and, on control planes, a healthy voting etcd member; at most 600 s per node, otherwise the rollout stops at that node.",
      "",
      "1. Talos upgrade to v1.13.10: `talos-cp1` → `talos-cp2` → `talos-cp3` → `talos-w1` + `talos-w2` (together) → `talos-w3`",
      "2. Machine config (talosctl apply-config, without a reboot where Talos allows): `talos-w3`",
      "",
    ]);
  });

  it("a wave without resource lists matches the members' own resources", () => {
    const wave: RolloutIntent = {
      kind: "rollout",
      name: "wave:hypervisors",
      description: "one machine at a time",
      gate: "the machine's units verified",
      phases: [{ name: "Converge", stages: ["hv1", "hv2", "hv3"].map((m) => ({ members: [m] })) }],
    };
    const section = rolloutSection([
      record("lab-wave-hypervisors", wave),
      command("hv3-sshd-apply"),
      command("hv1-network-apply"),
    ]);
    assert.equal(section[4], "1. Converge: `hv1` → `hv3`");
  });

  it("no section when no stage of any rollout changes", () => {
    assert.deepEqual(rolloutSection([talos, command("gw1-firewall-apply")]), []);
  });

  it("the comment carries the section between reachability and the changes by host", () => {
    const text = renderReport({ steps: [talos, command("homelab-talos-cp1-upgrade")] }, [], {
      project: "homelab",
      stack: "home",
      exitCode: 0,
    });
    const at = (s: string) => text.indexOf(s);
    assert.ok(at("#### Exposure and reachability") < at("#### Rollout order"));
    assert.ok(at("#### Rollout order") < at("#### Changes by host"));
    assert.match(text, /1\. Talos upgrade to v1\.13\.10: `talos-cp1`\n/);
  });
});
