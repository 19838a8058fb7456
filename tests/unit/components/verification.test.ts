import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { planProbes, PROBE_COMMAND, renderProbeScript } from "../../../renderers/probes";
import { unitHash } from "../../../renderers/unit-bundle";
import { sha256 } from "../../../renderers/unit-script";
import { firewallUnit } from "../../../renderers/units/router";
import { homeLab } from "../../support/labs";
import { byName, children, isSecret, reveal } from "../../support/inputs";
import { runMocked } from "../../support/mocks";

describe("component: Verification (post-apply probes)", () => {
  const lab = homeLab();
  const run = () =>
    runMocked(async () => {
      const { Verification } = await import("../../../components/verification");
      new Verification("home-verify", { lab, privateKey: pulumi.secret("K"), after: [] });
    });

  it("runs one probe script per vantage machine, one command each", async () => {
    const { resources } = await run();
    const vantages = ["atlas", "edge", "gw1", "infra1", "iris"];
    assert.deepEqual(
      children(resources).sort(),
      [
        "homelab:verify:Probes home-verify",
        ...vantages.map((v) => `command:remote:Command ${v}-probes`),
      ].sort(),
    );
  });

  it("re-runs when its probes or the router's ruleset change, over the vantage's pinned, key-only connection", async () => {
    const { resources } = await run();
    const ruleset = unitHash(firewallUnit(lab, lab.routers[0]!), "root");
    for (const plan of planProbes(lab)) {
      const script = renderProbeScript(plan);
      const cmd = byName(resources, "command:remote:Command", `${plan.vantage}-probes`);
      assert.equal(cmd.inputs.create, PROBE_COMMAND);
      assert.equal(cmd.inputs.stdin, script);
      assert.deepEqual(cmd.inputs.triggers, [sha256(script), ruleset]);
      assert.ok(isSecret(cmd.inputs.connection));
      const c = reveal<Record<string, unknown>>(cmd.inputs.connection);
      const m = lab.machines.find((x) => x.name === plan.vantage)!;
      assert.equal(c.host, m.ssh!.host, plan.vantage);
      assert.equal(c.hostKey, m.ssh!.hostKey, plan.vantage);
      assert.equal(c.privateKey, "K");
      assert.equal(c.password, undefined);
    }
  });
});
