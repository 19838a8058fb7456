import * as assert from "node:assert/strict";
import type { HostSshSpec, SshdSettings, ZoneSpec } from "../../../model/inventory";
import { bool, Infer, int, Issues, object, opt, req, str } from "../../../model/schema";

// Compile-time expectations (this file is type-checked by `npm run typecheck`): a wrong inference
// fails the type check, an unused @ts-expect-error too.
const sample = object("A sample.", {
  needed: req(str({ description: "Required." })),
  optional: opt(int({ description: "Optional, no default." })),
  documented: opt(int({ description: "Optional, documented only." }), undefined, "the other one"),
  defaulted: opt(bool({ description: "Optional with a default." }), false),
});
type Sample = Infer<typeof sample>;
const minimal: Sample = { needed: "x", defaulted: true };
// @ts-expect-error a required field cannot be left out
const noNeeded: Sample = { defaulted: true };
// @ts-expect-error a field with a default is present after parsing
const noDefaulted: Sample = { needed: "x" };
const zone: ZoneSpec = { trust: "dmz" };
// @ts-expect-error trust is one of the declared levels
const badZone: ZoneSpec = { trust: "public" };
const override: HostSshSpec = { hostKey: "k", sshd: { maxAuthTries: 2 } };
// @ts-expect-error global sshd settings are all present after parsing
const partialSshd: SshdSettings = { maxAuthTries: 2 };

describe("schema language: inferred types and parsing", () => {
  it("fills defaults and leaves optional fields without a default absent", () => {
    const issues = new Issues();
    assert.deepEqual(sample.parse({ needed: "x" }, "p", issues), { needed: "x", defaulted: false });
    assert.deepEqual(issues.list, []);
    assert.ok([minimal, noNeeded, noDefaulted, zone, badZone, override, partialSshd].length);
  });
  it("reports a missing required field with its path", () => {
    const issues = new Issues();
    assert.equal(sample.parse({}, "p", issues), undefined);
    assert.deepEqual(issues.list, [
      { path: "p.needed", message: "(missing) is required; expected a string. Add needed here." },
    ]);
  });
});
