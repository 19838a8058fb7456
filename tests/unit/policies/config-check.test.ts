import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { POLICIES } from "../../../policies/all";
import { applyWaivers, isCalendarDate } from "../../../policies/lib/rule";
import { checkPolicyConfig } from "../../../scripts/policy-config";
import { evaluateStack } from "../../support/policy-harness";
import { homeResources, lines } from "../../support/policy-fixture";
import { run } from "../../support/tools";
import { REPO } from "../../support/stack";

const FILE = "policy-config.lab.json";
const LEVELS = '"advisory", "disabled", "mandatory", "remediate"';

describe("policy config that cannot be misread (npm run policy-config -- check)", function () {
  this.timeout(60000);

  it("the committed policy-config.home.json passes, through the npm script", () => {
    const r = run("npm", ["run", "-s", "policy-config", "--", "check", "policy-config.home.json"]);
    assert.deepEqual(r, { status: 0, output: "policy-config.home.json: ok\n" });
    assert.deepEqual(
      checkPolicyConfig(readFileSync(path.join(REPO, "policy-config.home.json"), "utf8"), FILE),
      [],
    );
  });

  it("truncated JSON names the file and says it ends early", () => {
    assert.deepEqual(checkPolicyConfig('{\n  "zone-isolation": {\n    "waivers": [', FILE), [
      `${FILE}: is not valid JSON: Unexpected end of JSON input: the file ends early (a closing "}" or "]" is missing, or it was cut off). Fix the JSON before running pulumi with it.`,
    ]);
  });

  it("a JSON syntax error names the file, line and column", () => {
    assert.deepEqual(checkPolicyConfig('{\n  "zone-isolation": "advisory",\n}', FILE), [
      `${FILE}: is not valid JSON: Expected double-quoted property name at line 3, column 1. Fix the JSON before running pulumi with it.`,
    ]);
  });

  it("an unknown policy name, with did-you-mean", () => {
    const [p] = checkPolicyConfig('{ "zone-isolaton": "advisory" }', FILE);
    assert.match(
      p!,
      /^policy-config\.lab\.json: "zone-isolaton" is not a policy of the homelab pack; expected one of "all", "cluster-api-isolation", .*"zone-isolation"\. Did you mean "zone-isolation"\?$/,
    );
  });

  it("an unknown option key (wavers), with did-you-mean", () => {
    assert.deepEqual(checkPolicyConfig('{ "ssh-root-login": { "wavers": [] } }', FILE), [
      `${FILE}: ssh-root-login: "wavers" is not an option of ssh-root-login; expected "enforcementLevel", "waivers". Did you mean "waivers"?`,
    ]);
  });

  it("waiver dates must be real calendar dates", () => {
    const waiver = (expires: string) =>
      JSON.stringify({
        "zone-isolation": {
          waivers: [{ finding: "flow:dmz->hypervisors", reason: "until the NAS moves", expires }],
        },
      });
    for (const bad of ["2099-99-99", "2026-02-30", "2026-13-01"]) {
      assert.deepEqual(checkPolicyConfig(waiver(bad), FILE), [
        `${FILE}: zone-isolation.waivers[0].expires: "${bad}" must match format "date". Use a real calendar date, YYYY-MM-DD.`,
      ]);
    }
    assert.deepEqual(checkPolicyConfig(waiver("2028-02-29"), FILE), []);
  });

  it("enforcement levels, option types and waiver fields are checked against the pack's schemas", () => {
    assert.deepEqual(
      checkPolicyConfig(
        JSON.stringify({
          "ssh-root-login": "mandtory",
          "zone-isolation": { enforcementLevel: "off", transitive: "yes" },
          "versions-pinned": {
            waivers: [{ finding: "x", reason: "short", expires: "2027-01-01", by: "me" }],
          },
          all: "advisory",
        }),
        FILE,
      ),
      [
        `${FILE}: ssh-root-login: "mandtory" is not an enforcement level; expected one of ${LEVELS}. Did you mean "mandatory"?`,
        `${FILE}: versions-pinned.waivers[0]: {"finding":"x","reason":"short","expires":"2027-01-01","by":"me"} must NOT have additional properties ("by").`,
        `${FILE}: versions-pinned.waivers[0].reason: "short" must NOT have fewer than 10 characters.`,
        `${FILE}: zone-isolation.enforcementLevel: "off" is not an enforcement level; expected one of ${LEVELS}.`,
        `${FILE}: zone-isolation.transitive: "yes" must be boolean.`,
      ],
    );
  });

  it("the CLI exits non-zero listing the problems, and names an unreadable file", () => {
    const missing = run("npm", ["run", "-s", "policy-config", "--", "check", "no-such.json"]);
    assert.deepEqual(missing, { status: 1, output: "no-such.json: cannot be read (ENOENT).\n" });
    const usage = run("npm", ["run", "-s", "policy-config", "--", "chek", "x.json"]);
    assert.equal(usage.status, 2);
  });
});

describe("policy pack: config it would otherwise misread", function () {
  this.timeout(60000);
  const finding = { id: "flow:dmz->hypervisors", message: "m.", fix: "f." };

  it("real calendar dates only", () => {
    assert.deepEqual(
      ["2026-02-28", "2028-02-29", "2026-02-29", "2099-99-99", "2026-1-01"].map(isCalendarDate),
      [true, true, false, false, false],
    );
  });

  it("a waiver whose expiry is not a date waives nothing (it would never expire as text)", () => {
    const [f] = applyWaivers(
      "zone-isolation",
      [finding],
      [{ finding: finding.id, reason: "until the NAS moves", expires: "2099-99-99" }],
      "2026-11-21",
    );
    assert.deepEqual(f, {
      id: finding.id,
      urn: undefined,
      message:
        'The waiver for flow:dmz->hypervisors has expiry "2099-99-99", which is not a calendar date, so it does not apply: m.',
      fix: "f. Or give the waiver in the zone-isolation policy config a real expiry date (YYYY-MM-DD).",
    });
  });

  it("an unknown option of a policy is a violation naming it, with did-you-mean", async () => {
    const r = evaluateStack(POLICIES, await homeResources(), {
      config: { "ssh-root-login": { wavers: [] } },
    });
    assert.deepEqual(lines(r.violations), [
      'ssh-root-login/mandatory: The ssh-root-login policy config has the option "wavers", which this policy does not have; expected "waivers" or enforcementLevel. Fix: Did you mean "waivers"? Check the file with `npm run policy-config -- check <file>`.',
    ]);
  });

  it("the waivers schema carries format: date, which the engine's validator honours", () => {
    const schema = POLICIES[0]!.configSchema!.properties.waivers as {
      items: { properties: { expires: { format?: string } } };
    };
    assert.equal(schema.items.properties.expires.format, "date");
  });
});
