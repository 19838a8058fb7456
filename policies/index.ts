// The policy pack. Constructing PolicyPack starts its gRPC server: tests import ./all instead.
import { PolicyPack } from "@pulumi/policy";
import { assertCurrent, projectRoot } from "../runtime/compiled";
import { POLICIES } from "./all";

// The engine runs the compiled pack (build/policies/index.js, package.json): never a stale one.
if (__filename.endsWith(".js")) assertCurrent(projectRoot(__dirname), "policies");

new PolicyPack("homelab", {
  description:
    "Homelab guardrails: key-only SSH with pinned host keys, zone isolation by reachability, DMZ-only ingress.",
  enforcementLevel: "mandatory",
  policies: POLICIES,
});
