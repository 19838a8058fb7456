import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { planProbes, probeCommand, renderProbeScript } from "../../../renderers/probes";
import { sha256, unitHash } from "../../../renderers/unit-script";
import { firewallUnit } from "../../../renderers/units/router";
import { homeLab } from "../../support/labs";
import { assetText, byName, children, isSecret, reveal } from "../../support/inputs";
import { runMocked } from "../../support/mocks";

describe("component: Verification (post-apply probes)", () => {
  const lab = homeLab();
  const run = () =>
    runMocked(async () => {
      const { Verification } = await import("../../../components/verification");
      new Verification("home-verify", { lab, privateKey: pulumi.secret("K"), after: [] });
    });

  it("stages and runs one probe script per vantage machine", async () => {
    const { resources } = await run();
    const vantages = ["atlas", "edge", "gw1", "infra1", "iris"];
    assert.deepEqual(
      children(resources).sort(),
      [
        "homelab:verify:Probes home-verify",
        ...vantages.map((v) => `command:remote:Command ${v}-probes`),
        ...vantages.map((v) => `command:remote:CopyToRemote ${v}-probes.sh`),
      ].sort(),
    );
  });

  it("re-runs when its probes or the router's ruleset change, over the vantage's pinned, key-only connection", async () => {
    const { resources } = await run();
    const ruleset = unitHash(firewallUnit(lab, lab.routers[0]!), "root");
    for (const plan of planProbes(lab)) {
      const script = renderProbeScript(plan);
      const staged = byName(resources, "command:remote:CopyToRemote", `${plan.vantage}-probes.sh`);
      assert.equal(await assetText(staged.inputs.source), script);
      assert.equal(staged.inputs.remotePath, ".homelab/stage/probes.sh");
      const cmd = byName(resources, "command:remote:Command", `${plan.vantage}-probes`);
      assert.equal(cmd.inputs.create, probeCommand(script));
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

describe("component: Verification with a machine in two zones", () => {
  // A NAS on two VLANs of equal trust, the only machine in both: before the fix it was picked as the
  // vantage of both zones, and the real engine refused `nas-probes.sh` twice (Duplicate resource URN).
  const lab = homeLab([
    {
      set: "homelab:zones.media",
      value: { trust: "internal", vlan: 50, cidr: "10.0.50.0/24", gateway: "10.0.50.1" },
    },
    {
      set: "homelab:zones.cams",
      value: { trust: "internal", vlan: 60, cidr: "10.0.60.0/24", gateway: "10.0.60.1" },
    },
    {
      set: "homelab:routers.gw1.zones",
      value: ["mgmt", "internal", "dmz", "hypervisors", "media", "cams"],
    },
    {
      set: "homelab:hosts.nas",
      value: {
        os: "debian",
        nics: [
          { zone: "media", address: "10.0.50.5" },
          { zone: "cams", address: "10.0.60.5" },
        ],
        ssh: {
          hostKey:
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBeNVTuB3AO9BP9Elv8cGY6CftgN1ui7Wi59AV0CeoI3",
        },
      },
    },
  ]);

  it("registers one probe command per vantage machine (unique URNs under the mocks, as the engine demands)", async () => {
    const { resources } = await runMocked(async () => {
      const { Verification } = await import("../../../components/verification");
      new Verification("home-verify", { lab, privateKey: pulumi.secret("K"), after: [] });
    });
    const nas = children(resources).filter((c) => c.includes(" nas-probes"));
    assert.deepEqual(nas.sort(), [
      "command:remote:Command nas-probes",
      "command:remote:CopyToRemote nas-probes.sh",
    ]);
  });

  it("probes from the NAS's primary zone only, never towards its other zone (that link bypasses the router)", () => {
    const plans = planProbes(lab).filter((p) => p.vantage === "nas");
    assert.deepEqual(
      plans.map((p) => p.zone),
      ["media"],
    );
    assert.ok(plans[0]!.probes.length > 0);
    assert.ok(plans[0]!.probes.every((p) => !p.address.startsWith("10.0.60.")));
    assert.equal(new Set(planProbes(lab).map((p) => p.vantage)).size, planProbes(lab).length);
  });
});

describe("mock harness: duplicate URNs", () => {
  it("fails the run like the real engine does, naming the URN", async () => {
    await assert.rejects(
      runMocked(async () => {
        const { Verification } = await import("../../../components/verification");
        new Verification("twice", { lab: homeLab(), privateKey: pulumi.secret("K"), after: [] });
        new Verification("twice", { lab: homeLab(), privateKey: pulumi.secret("K"), after: [] });
      }),
      /registered \d+ resource URN\(s\) more than once.*Duplicate resource URN.*homelab:verify:Probes::twice/,
    );
  });
});
