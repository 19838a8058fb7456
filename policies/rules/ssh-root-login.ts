import type { HomelabRule } from "../lib/rule";
import { where } from "./ssh-no-password-auth";

export const sshRootLogin: HomelabRule = {
  name: "ssh-root-login",
  description:
    "Checks that no host's sshd lets root log in with a password (PermitRootLogin is never `yes`).",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Set permitRootLogin to `prohibit-password` (keys only) or `no` in homelab:ssh.sshd or the host's ssh.sshd.",
  check: (view) =>
    view.machines
      .filter((m) => m.ssh?.permitRootLogin === "yes")
      .map((m) => ({
        id: `sshd-root:${m.name}`,
        urn: view.urnOf.get(m),
        message: `sshd on ${m.role} ${m.name} (${m.os}) has PermitRootLogin yes: root may log in with a password.`,
        fix: `Set permitRootLogin: prohibit-password (or no) in ${where(m.ssh!.settingsFrom.permitRootLogin, m.name)}.`,
      })),
};
