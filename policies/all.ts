/** Every policy of the pack, in report order. Tests import this, never index.ts. */
import type { StackValidationPolicy } from "@pulumi/policy";
import { HomelabRule, toPolicy } from "./lib/rule";
import { clusterApiIsolation } from "./rules/cluster-api-isolation";
import { dmzOnlyIngress } from "./rules/dmz-only-ingress";
import { firewallDefaultDeny } from "./rules/firewall-default-deny";
import { hypervisorMinimal } from "./rules/hypervisor-minimal";
import { intentRecordsCurrent } from "./rules/intent-records-current";
import { sshHostKeyPinned } from "./rules/ssh-host-key-pinned";
import { sshNoPasswordAuth } from "./rules/ssh-no-password-auth";
import { sshRootLogin } from "./rules/ssh-root-login";
import { versionsPinned } from "./rules/versions-pinned";
import { zoneIsolation } from "./rules/zone-isolation";

export const RULES: readonly HomelabRule<never>[] = [
  sshNoPasswordAuth,
  sshRootLogin,
  sshHostKeyPinned,
  zoneIsolation,
  dmzOnlyIngress,
  clusterApiIsolation,
  firewallDefaultDeny,
  versionsPinned,
  hypervisorMinimal,
  intentRecordsCurrent,
] as readonly HomelabRule<never>[];

export const POLICIES: StackValidationPolicy[] = RULES.map((r) => toPolicy(r));
