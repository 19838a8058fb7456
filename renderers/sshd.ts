/**
 * Hardened SSH baseline shared by every Linux host: an sshd drop-in and the admin's authorized_keys.
 * Follows the dev-sec ssh_hardening baseline where it applies to a homelab.
 */
import type { SshdSettings } from "../model/inventory";
import { generatedHeader, lines } from "./text";

/** Drop-in path. `01-` sorts before distribution drop-ins (e.g. 50-cloud-init.conf) so ours win:
 * sshd keeps the first value it reads for most keywords. */
export const SSHD_DROPIN = "/etc/ssh/sshd_config.d/01-homelab.conf";

const yesNo = (b: boolean) => (b ? "yes" : "no");

export function renderSshdDropin(host: string, s: SshdSettings, port: number): string {
  return lines(
    generatedHeader(`${host} (sshd)`),
    `Port ${port}`,
    `PubkeyAuthentication yes`,
    !s.passwordAuthentication &&
      !s.kbdInteractiveAuthentication &&
      `AuthenticationMethods publickey`,
    `PasswordAuthentication ${yesNo(s.passwordAuthentication)}`,
    `KbdInteractiveAuthentication ${yesNo(s.kbdInteractiveAuthentication)}`,
    `PermitEmptyPasswords no`,
    `PermitRootLogin ${s.permitRootLogin}`,
    `MaxAuthTries ${s.maxAuthTries}`,
    `LoginGraceTime 30`,
    `AllowAgentForwarding ${yesNo(s.allowAgentForwarding)}`,
    `AllowTcpForwarding ${yesNo(s.allowTcpForwarding)}`,
    `X11Forwarding ${yesNo(s.x11Forwarding)}`,
    `PermitTunnel no`,
    `PermitUserEnvironment no`,
    `ClientAliveInterval 300`,
    `ClientAliveCountMax 2`,
  );
}

/**
 * What `sshd -T` must report once the drop-in is active (lower-case keys as sshd prints them). The
 * apply step checks these after reloading, which catches a conflicting drop-in or a main config
 * that does not include sshd_config.d.
 */
export function expectedSshdEffective(s: SshdSettings, port: number): [string, string][] {
  return [
    ["port", String(port)],
    ["passwordauthentication", yesNo(s.passwordAuthentication)],
    ["kbdinteractiveauthentication", yesNo(s.kbdInteractiveAuthentication)],
    [
      "permitrootlogin",
      s.permitRootLogin === "prohibit-password" ? "without-password" : s.permitRootLogin,
    ],
    ["maxauthtries", String(s.maxAuthTries)],
    ["pubkeyauthentication", "yes"],
    ["permitemptypasswords", "no"],
  ];
}

export function renderAuthorizedKeys(host: string, keys: readonly string[]): string {
  return lines(generatedHeader(`${host} (authorized_keys)`), [...keys]);
}
