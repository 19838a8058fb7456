/**
 * The live sshd settings (`sshd -T`, sshd_config(5) keywords in lower case) in the model's terms
 * (homelab:ssh.sshd, model/sections/ssh.ts): the settings that differ from the product's hardened
 * defaults become the machine's `ssh.sshd` override, so an adopted machine that allows passwords
 * says so in its inventory and the policy pack blocks it until the inventory is changed.
 */
import { DEFAULT_SSHD, type PermitRootLogin, type SshdSettings } from "../../model/inventory";

export interface LiveSshd {
  /** Settings that differ from DEFAULT_SSHD, in the model's keys. */
  readonly override: Partial<SshdSettings>;
  /** What could not be expressed in the model, for comments. */
  readonly notes: readonly string[];
  /** sshd's first `port`. */
  readonly port?: number;
}

const yesNo = (v: string | undefined): boolean | undefined =>
  v === "yes" ? true : v === "no" ? false : undefined;

export function liveSshd(t: ReadonlyMap<string, string>): LiveSshd {
  const live: Partial<SshdSettings> = {};
  const notes: string[] = [];
  const bool = (key: keyof SshdSettings, keyword: string, v = t.get(keyword)) => {
    const b = yesNo(v);
    if (b !== undefined) live[key] = b as never;
    else if (v !== undefined) notes.push(`${keyword} ${v}: not yes/no; left to the default`);
  };
  bool("passwordAuthentication", "passwordauthentication");
  // OpenSSH before 8.7 names it challengeresponseauthentication.
  const kbd = t.get("kbdinteractiveauthentication") ?? t.get("challengeresponseauthentication");
  bool("kbdInteractiveAuthentication", "kbdinteractiveauthentication", kbd);
  const root = t.get("permitrootlogin");
  const roots: Record<string, PermitRootLogin> = {
    yes: "yes",
    no: "no",
    "prohibit-password": "prohibit-password",
    "without-password": "prohibit-password", // the deprecated alias (sshd_config(5))
  };
  if (root !== undefined && roots[root]) live.permitRootLogin = roots[root];
  else if (root !== undefined) {
    notes.push(
      `permitrootlogin ${root}: the model has no such setting (yes, no, prohibit-password)`,
    );
  }
  const tries = t.get("maxauthtries");
  if (tries !== undefined) {
    const n = Number(tries);
    if (Number.isInteger(n) && n >= 1 && n <= 10) live.maxAuthTries = n;
    else notes.push(`maxauthtries ${tries}: the model allows 1 to 10; the default 3 applies`);
  }
  bool("allowAgentForwarding", "allowagentforwarding");
  const tcp = t.get("allowtcpforwarding");
  // yes, all, local and remote all allow some forwarding (sshd_config(5)).
  if (tcp !== undefined) live.allowTcpForwarding = tcp !== "no";
  bool("x11Forwarding", "x11forwarding");
  const override = Object.fromEntries(
    Object.entries(live).filter(([k, v]) => DEFAULT_SSHD[k as keyof SshdSettings] !== v),
  ) as Partial<SshdSettings>;
  const port = t.get("port");
  return { override, notes, port: port !== undefined ? Number(port) : undefined };
}
