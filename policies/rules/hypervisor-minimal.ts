import type { Finding, HomelabRule, RuleConfig } from "../lib/rule";

export interface HypervisorMinimalConfig extends RuleConfig {
  /** Services tolerated on hypervisors (e.g. a node exporter). */
  readonly allowedServices?: readonly string[];
}

export const hypervisorMinimal: HomelabRule<HypervisorMinimalConfig> = {
  name: "hypervisor-minimal",
  description:
    "Checks that hypervisors run nothing but their role: services belong in VMs, so a failing service never takes the hypervisor (and every guest) down with it.",
  enforcementLevel: "advisory",
  severity: "medium",
  remediationSteps:
    "Move the service into a VM (declare it under the hypervisor's vms and set runsOn.host to the VM), or list it in this policy's allowedServices.",
  config: {
    allowedServices: {
      type: "array",
      items: { type: "string" },
      default: [],
      description: "Service names tolerated on hypervisors.",
    },
  },
  check: (view, config) => {
    const allowed = new Set(config.allowedServices ?? []);
    return view.hypervisors.flatMap((h) => {
      const extra = h.services.filter((s) => !allowed.has(s));
      return extra.length === 0
        ? []
        : [
            {
              id: `services:${h.name}`,
              urn: view.urnOf.get(h),
              message: `Hypervisor ${h.name} runs ${extra.join(", ")} itself.`,
              fix: `Move ${extra.join(", ")} into a VM on ${h.name}.`,
            } satisfies Finding,
          ];
    });
  },
};
