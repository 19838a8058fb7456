/** `homelab:ssh` and every host's `ssh`: how the deployer logs in and how sshd is hardened. */
import { byName, type Context } from "../context";
import { AUTHORIZED_KEY_RE, hostKey, port, shaped } from "../formats";
import type { SshTarget } from "../lab";
import { bool, Infer, int, list, object, oneOf, opt, req, str, withoutDefaults } from "../schema";

export const PERMIT_ROOT_LOGIN = ["no", "prohibit-password", "yes"] as const;
export type PermitRootLogin = (typeof PERMIT_ROOT_LOGIN)[number];

export const DEFAULT_SSHD = {
  passwordAuthentication: false,
  kbdInteractiveAuthentication: false,
  permitRootLogin: "prohibit-password" as PermitRootLogin,
  maxAuthTries: 3,
  allowAgentForwarding: false,
  allowTcpForwarding: false,
  x11Forwarding: false,
};

const sshdFields = {
  passwordAuthentication: opt(
    bool({
      description:
        "Allow password logins. Off by default; the policy ssh-no-password-auth blocks turning it on.",
    }),
    DEFAULT_SSHD.passwordAuthentication,
  ),
  kbdInteractiveAuthentication: opt(
    bool({
      description: "Allow keyboard-interactive logins (PAM password prompts). Off by default.",
    }),
    DEFAULT_SSHD.kbdInteractiveAuthentication,
  ),
  permitRootLogin: opt(
    oneOf(PERMIT_ROOT_LOGIN, {
      description: "sshd PermitRootLogin. `yes` is blocked by the policy ssh-root-login.",
    }),
    DEFAULT_SSHD.permitRootLogin,
  ),
  maxAuthTries: opt(
    int({ description: "sshd MaxAuthTries.", min: 1, max: 10 }),
    DEFAULT_SSHD.maxAuthTries,
  ),
  allowAgentForwarding: opt(
    bool({ description: "sshd AllowAgentForwarding." }),
    DEFAULT_SSHD.allowAgentForwarding,
  ),
  allowTcpForwarding: opt(
    bool({ description: "sshd AllowTcpForwarding." }),
    DEFAULT_SSHD.allowTcpForwarding,
  ),
  x11Forwarding: opt(bool({ description: "sshd X11Forwarding." }), DEFAULT_SSHD.x11Forwarding),
};

const sshdSchema = object(
  "Hardened sshd settings applied to every Linux and NixOS host.",
  sshdFields,
);
export type SshdSettings = Infer<typeof sshdSchema>;

const sshdOverrideSchema = object(
  "Per-host overrides of homelab:ssh.sshd (only the keys given change).",
  withoutDefaults(sshdFields),
);

export const sshSchema = object("How the deployer logs in and how sshd is hardened.", {
  adminUser: req(
    shaped({
      description:
        "The account the deployer logs in as on every SSH host: root, or a user with passwordless sudo (NOPASSWD). Commands run through `sudo -n` unless it is root; a sudo password is not supported: each command first checks sudo and, when it wants a password, stops before changing anything with `homelab: <unit> on <machine>: the admin user <user> needs a password for sudo` and the fix.",
      format: "a Unix user name",
      re: /^[a-z_][a-z0-9_-]{0,31}$/,
      problem: "is not a Unix user name",
      fix: "Use the lower-case login name, e.g. root or deploy.",
    }),
  ),
  authorizedKeys: req(
    list(
      shaped({
        description: "An OpenSSH public key line.",
        format: "an OpenSSH public key line (`ssh-ed25519 AAAA... comment`)",
        re: AUTHORIZED_KEY_RE,
        problem: "is not an OpenSSH public key",
        fix: "Paste the contents of your ~/.ssh/id_ed25519.pub.",
      }),
      {
        description:
          "Public keys allowed to log in as adminUser on every host (written to authorized_keys).",
        minItems: 1,
        fix: "Add at least your own public key, or you will be locked out.",
      },
    ),
  ),
  port: opt(port("sshd port on every host."), 22),
  sshd: opt(
    sshdSchema,
    DEFAULT_SSHD,
    "key-only: passwords and keyboard-interactive off, root only with keys, MaxAuthTries 3, no forwarding",
  ),
  revertAfterSeconds: opt(
    int({
      description:
        "Dead-man switch for sshd and firewall changes: the machine restores its previous configuration by itself unless the deployer proves, over a new SSH connection, that it can still log in within this many seconds of the apply.",
      min: 30,
      max: 3600,
    }),
    120,
  ),
});
export type SshSpec = Infer<typeof sshSchema>;

const hostSshFields = {
  hostKey: req(hostKey),
  host: opt(
    str({
      description:
        "Address or DNS name to connect to, when it differs from the host's management address (out-of-band network, jump name).",
    }),
    undefined,
    "the host's management address",
  ),
  port: opt(port("sshd port of this host."), undefined, "homelab:ssh.port"),
  sshd: opt(sshdOverrideSchema, undefined, "homelab:ssh.sshd"),
  observeOnly: opt(
    bool({
      description:
        "Adopting a machine that already runs: `pulumi up` only records what is on it (each unit's files and facts, over SSH) and writes nothing to it. Remove it, then `pulumi preview --refresh` shows per unit the diff from the machine as it is to what will be written (README: Adopting an existing lab).",
    }),
    undefined,
    "false: the program converges the machine",
  ),
};

export const hostSshSchema = object("How to reach this host over SSH.", hostSshFields);
export type HostSshSpec = Infer<typeof hostSshSchema>;

/** The ssh block of a machine under homelab:hosts or a hypervisor's vms (checked in machines.ts). */
export const machineSshSchema = object("How to reach this machine over SSH.", {
  ...hostSshFields,
  hostKey: opt(
    hostKey,
    undefined,
    "required, except for a Debian VM: generated by the program (a secret), injected through cloud-init and pinned",
  ),
});
export type MachineSshSpec = Infer<typeof machineSshSchema>;

/**
 * Where and how the deployer connects to one host (declared at config path `path`): its own settings
 * over the global ones, and for each sshd setting the config path that decided it.
 */
export function sshTarget(
  ssh: SshSpec,
  spec: HostSshSpec | MachineSshSpec,
  defaultHost: string,
  path: string,
): SshTarget {
  const own = spec.sshd ?? {};
  const sshdFrom = Object.fromEntries(
    Object.keys(ssh.sshd).map((k) => [k, k in own ? `${path}.ssh.sshd` : "homelab:ssh.sshd"]),
  ) as Record<keyof SshdSettings, string>;
  return {
    host: spec.host ?? defaultHost,
    port: spec.port ?? ssh.port,
    user: ssh.adminUser,
    hostKey: spec.hostKey?.trim(),
    sshd: { ...ssh.sshd, ...own },
    sshdFrom,
    ...(spec.observeOnly ? { observeOnly: true as const } : {}),
  };
}

/** The sshd settings a machine declares of its own, and where: routers, hypervisors, hosts, VMs. */
function ownSshd(ctx: Context): { path: string; sshd?: Partial<SshdSettings> }[] {
  const out: { path: string; sshd?: Partial<SshdSettings> }[] = [];
  for (const [name, r] of byName(ctx.inv.routers)) {
    out.push({ path: `homelab:routers.${name}`, sshd: r.ssh.sshd });
  }
  for (const [name, h] of byName(ctx.inv.hypervisors)) {
    out.push({ path: `homelab:hypervisors.${name}`, sshd: h.ssh.sshd });
  }
  for (const ref of ctx.machines.values()) {
    if (ref.spec?.ssh && (ref.kind === "vm" || ref.kind === "host")) {
      out.push({ path: ref.path, sshd: ref.spec.ssh.sshd });
    }
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * Access the deployer needs, checked before anything runs: it logs in as adminUser with the deploy
 * key, so sshd must let that user in. Root login `no` while adminUser is root would lock it out of
 * every host that applies it (refused globally, where a host inherits it, or per host).
 * (The deploy key's membership in authorizedKeys is checked where the key is read:
 * model/deploy-key.ts.)
 */
export function checkSshAccess(ctx: Context): void {
  const ssh = ctx.inv.ssh;
  if (!ssh || ssh.adminUser !== "root") return;
  const lockout = (where: string) =>
    `"no" refuses every root login, but homelab:ssh.adminUser is root: the deployer logs in as root and would lock itself out of ${where}; expected prohibit-password (root with keys only) while the deployer logs in as root. Set permitRootLogin: prohibit-password, or set homelab:ssh.adminUser to a user with passwordless sudo.`;
  const machines = ownSshd(ctx);
  if (ssh.sshd.permitRootLogin === "no") {
    const inheriting = machines.filter((m) => m.sshd?.permitRootLogin === undefined);
    if (inheriting.length > 0) {
      const names = inheriting
        .map((m) => m.path.split(".").pop())
        .sort()
        .join(", ");
      ctx.add(
        "homelab:ssh.sshd.permitRootLogin",
        lockout(`every host without its own setting (${names})`),
      );
    }
  }
  for (const m of machines) {
    if (m.sshd?.permitRootLogin === "no") {
      ctx.add(`${m.path}.ssh.sshd.permitRootLogin`, lockout(m.path.split(".").pop()!));
    }
  }
}
