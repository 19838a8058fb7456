import type { HomelabRule } from "../lib/rule";
import { where } from "./ssh-no-password-auth";

export const sshRootLogin: HomelabRule = {
  name: "ssh-root-login",
  description:
    "Checks that no host's sshd lets root log in with a password (PermitRootLogin is never `yes`).",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Set permitRootLogin to `prohibit-password` (keys only) in homelab:ssh.sshd or the host's ssh.sshd; `no` only when homelab:ssh.adminUser is not root (validation refuses `no` for a root deployer, who would be locked out).",
  check: (view) =>
    view.machines
      .filter((m) => m.ssh?.permitRootLogin === "yes")
      .map((m) => ({
        id: `sshd-root:${m.name}`,
        urn: view.urnOf.get(m),
        message: `sshd on ${m.role} ${m.name} (${m.os}) has PermitRootLogin yes: root may log in with a password.`,
        // `no` only when the deployer does not log in as root: it would lock the deployer out.
        fix: `Set permitRootLogin: prohibit-password${m.ssh!.loginUser === "root" ? "" : " (or no)"} in ${where(m.ssh!.settingsFrom.permitRootLogin, m.name)}.${m.ssh!.loginUser === "root" ? " Not no: the deployer logs in as root." : ""}`,
      })),
};
