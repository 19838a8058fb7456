/** `homelab:ssh` and every host's `ssh`: how the deployer logs in and how sshd is hardened. */
import { AUTHORIZED_KEY_RE, hostKey, port } from "../formats";
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
    str({
      description:
        "The account the deployer logs in as on every SSH host. Commands run through `sudo -n` unless it is root.",
      format: "a Unix user name",
      check: (v) => (/^[a-z_][a-z0-9_-]{0,31}$/.test(v) ? undefined : "is not a Unix user name"),
    }),
  ),
  authorizedKeys: req(
    list(
      str({
        description: "An OpenSSH public key line.",
        format: "an OpenSSH public key line (`ssh-ed25519 AAAA... comment`)",
        check: (v) =>
          AUTHORIZED_KEY_RE.test(v.trim()) ? undefined : "is not an OpenSSH public key",
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

export const hostSshSchema = object("How to reach this host over SSH.", {
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
});
export type HostSshSpec = Infer<typeof hostSshSchema>;

/** Where and how the deployer connects to one host: its own settings over the global ones. */
export function sshTarget(ssh: SshSpec, spec: HostSshSpec, defaultHost: string): SshTarget {
  return {
    host: spec.host ?? defaultHost,
    port: spec.port ?? ssh.port,
    user: ssh.adminUser,
    hostKey: spec.hostKey.trim(),
    sshd: { ...ssh.sshd, ...(spec.sshd ?? {}) },
  };
}
