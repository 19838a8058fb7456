import * as assert from "node:assert/strict";
import { RULES } from "../../../policies/all";
import { applyWaivers, clock, formatFinding } from "../../../policies/lib/rule";
import { homeResources, lines, violations } from "../../support/policy-fixture";
import { evaluateStack } from "../../support/policy-harness";
import { POLICIES } from "../../../policies/all";

describe("policy pack: metadata", () => {
  it("has every rule the issue asks for, each fully described", () => {
    assert.deepEqual(
      RULES.map((r) => `${r.name} ${r.enforcementLevel} ${r.severity}`),
      [
        "ssh-no-password-auth mandatory high",
        "ssh-root-login mandatory high",
        "ssh-host-key-pinned mandatory high",
        "zone-isolation mandatory critical",
        "dmz-only-ingress mandatory critical",
        "cluster-api-isolation mandatory critical",
        "firewall-default-deny mandatory critical",
        "versions-pinned advisory medium",
        "hypervisor-minimal advisory medium",
        "intent-records-current mandatory high",
      ],
    );
    for (const p of POLICIES) {
      assert.match(p.name, /^[a-z]+(-[a-z]+)+$/, "kebab-case");
      assert.match(p.description, /^Checks that /, p.name);
      assert.ok((p.remediationSteps ?? "").length > 40, `${p.name} remediation`);
      assert.ok(p.configSchema?.properties.waivers, `${p.name} waivers`);
    }
  });
});

describe("policy pack: the secure home stack", function () {
  this.timeout(60000);
  it("yields zero violations and no notApplicable", async () => {
    const r = evaluateStack(POLICIES, await homeResources());
    assert.deepEqual(lines(r.violations), []);
    assert.deepEqual(r.notApplicable, []);
  });
});

describe("policy pack: waivers and per-stack configuration", function () {
  this.timeout(60000);
  const finding = { id: "flow:dmz->hypervisors", message: "m.", fix: "f." };

  it("a valid waiver removes exactly its finding", () => {
    assert.deepEqual(
      applyWaivers(
        "zone-isolation",
        [finding, { ...finding, id: "other" }],
        [
          {
            finding: finding.id,
            reason: "migration until the new switch arrives",
            expires: "2026-12-31",
          },
        ],
        "2026-11-21",
      ),
      [{ ...finding, id: "other" }],
    );
  });

  it("an expired waiver is itself a violation, naming the date and reason", () => {
    const [f] = applyWaivers(
      "zone-isolation",
      [finding],
      [
        {
          finding: finding.id,
          reason: "migration until the new switch arrives",
          expires: "2026-11-20",
        },
      ],
      "2026-11-21",
    );
    assert.equal(
      formatFinding(f!),
      'The waiver for flow:dmz->hypervisors expired on 2026-11-20 (reason given: "migration until the new switch arrives"), so this finding counts again: m. Fix: f. Or, if the risk is still accepted, renew the waiver in the zone-isolation policy config with a new expiry date. [finding flow:dmz->hypervisors]',
    );
  });

  it("waivers come from --policy-pack-config and use today's date", async () => {
    const { mutate } = await import("../../support/policy-harness");
    const { isIntent } = await import("../../support/policy-fixture");
    const res = mutate(await homeResources(), isIntent("iris-intent"), (p) => {
      (p.intent as { ssh: { permitRootLogin: string } }).ssh.permitRootLogin = "yes";
    });
    const waiver = (expires: string) => ({
      "ssh-root-login": {
        waivers: [
          { finding: "sshd-root:iris", reason: "console-only Pi, no network login", expires },
        ],
      },
    });
    const saved = clock.today;
    clock.today = () => "2026-11-21";
    try {
      assert.deepEqual(lines(violations(res, waiver("2026-11-21"))), []);
      assert.equal(violations(res, waiver("2026-11-20")).length, 1);
      assert.match(
        violations(res, waiver("2026-11-20"))[0]!.message,
        /^The waiver for sshd-root:iris expired on 2026-11-20/,
      );
    } finally {
      clock.today = saved;
    }
  });

  it("enforcement can be overridden per stack (advisory or disabled)", async () => {
    const { mutate } = await import("../../support/policy-harness");
    const { isIntent } = await import("../../support/policy-fixture");
    const res = mutate(await homeResources(), isIntent("iris-intent"), (p) => {
      (p.intent as { ssh: { permitRootLogin: string } }).ssh.permitRootLogin = "yes";
    });
    assert.equal(violations(res)[0]!.enforcementLevel, "mandatory");
    assert.equal(
      violations(res, { "ssh-root-login": "advisory" })[0]!.enforcementLevel,
      "advisory",
    );
    assert.deepEqual(violations(res, { "ssh-root-login": { enforcementLevel: "disabled" } }), []);
  });
});
