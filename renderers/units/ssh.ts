/** The hardened SSH baseline unit every Linux host gets. */
import type { Lab, Machine } from "../../model/lab";
import {
  expectedSshdEffective,
  renderAuthorizedKeys,
  renderSshdDropin,
  SSHD_DROPIN,
} from "../sshd";
import { shq } from "../text";
import type { UnitFact, UnitSpec } from "../unit-script";
import { serviceAction } from "./common";

function authorizedKeysPath(user: string): string {
  return user === "root" ? "/root/.ssh/authorized_keys" : `/home/${user}/.ssh/authorized_keys`;
}

/** After activating: `sshd -T` must report every declared setting (`overriddenBy` names the culprit). */
export function sshdChecks(lab: Lab, m: Machine, overriddenBy: string): string[] {
  const ssh = m.ssh!;
  return expectedSshdEffective(ssh.sshd, ssh.port).map(
    ([k, v]) =>
      `sshd -T -C user=${lab.adminUser},host=localhost,addr=127.0.0.1 | grep -qx ${shq(`${k} ${v}`)} || { echo ${shq(`sshd on ${m.name} does not report "${k} ${v}" after activating: ${overriddenBy}`)} >&2; false; }`,
  );
}

/** Hardened SSH baseline: sshd drop-in + authorized_keys, `sshd -t` before reload, `sshd -T` after. */
export function sshdUnit(lab: Lab, m: Machine): UnitSpec {
  const ssh = m.ssh!;
  const checks = sshdChecks(lab, m, "another sshd_config file overrides the homelab drop-in");
  return {
    machine: m.name,
    unit: "sshd",
    files: [
      {
        name: "sshd.conf",
        target: SSHD_DROPIN,
        mode: "0644",
        content: renderSshdDropin(m.name, ssh.sshd, ssh.port),
      },
      {
        name: "authorized_keys",
        target: authorizedKeysPath(lab.adminUser),
        mode: "0600",
        owner: lab.adminUser,
        content: renderAuthorizedKeys(m.name, lab.authorizedKeys),
      },
    ],
    validate: [
      `ssh-keygen -l -f "$STAGE/authorized_keys" >/dev/null || fail "authorized_keys has an invalid key"`,
    ],
    activate: ["sshd -t", serviceAction("reload", "ssh")],
    verify: checks,
    facts: [sshdFact(lab, m)],
    guard: { revertAfterSeconds: lab.revertAfterSeconds },
    setsSshPort: true,
  };
}

/** The security-relevant settings sshd actually uses (`sshd -T`), whichever file sets them. */
export function sshdFact(lab: Lab, m: Machine): UnitFact {
  const expected = expectedSshdEffective(m.ssh!.sshd, m.ssh!.port);
  return {
    key: "sshd -T (effective settings)",
    script: `sshd -T -C user=${lab.adminUser},host=localhost,addr=127.0.0.1 | grep -E '^(${expected.map(([k]) => k).join("|")}) ' | LC_ALL=C sort`,
    expect: expected
      .map(([k, v]) => `${k} ${v}`)
      .sort()
      .join("\n"),
  };
}
