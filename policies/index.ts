// The policy pack. Constructing PolicyPack starts its gRPC server: tests import ./all instead.
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./all";

new PolicyPack("homelab", {
  description:
    "Homelab guardrails: key-only SSH with pinned host keys, zone isolation by reachability, DMZ-only ingress.",
  enforcementLevel: "mandatory",
  policies: POLICIES,
});
