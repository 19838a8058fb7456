// The policy pack. Constructing PolicyPack starts its gRPC server: tests import ./all instead.
import * as path from "node:path";
import { PolicyPack } from "@pulumi/policy";
import { assertCurrent } from "../runtime/compiled";
import { POLICIES } from "./all";

// The engine runs the compiled pack (build/policies/index.js, package.json): never a stale one.
if (__filename.endsWith(".js"))
  assertCurrent(path.resolve(__dirname, "..", "..", ".."), "policies");

new PolicyPack("homelab", {
  description:
    "Homelab guardrails: key-only SSH with pinned host keys, zone isolation by reachability, DMZ-only ingress.",
  enforcementLevel: "mandatory",
  policies: POLICIES,
});
