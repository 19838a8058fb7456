/**
 * The NixOS unit: configuration.nix, parsed, then `nixos-rebuild switch` under the dead-man switch
 * (deploy-rs's "magic rollback"): the configuration carries sshd and the firewall, so a switch that
 * cuts the deployer off must undo itself. The revert point is the system generation that was
 * current before the switch; a revert switches back to it with `nixos-rebuild switch --rollback`
 * ("roll back to the previous configuration … the one before the current generation of the Nix
 * profile /nix/var/nix/profiles/system", NixOS manual, nixos-rebuild(8)), which activates it again.
 *
 * Upgrades follow the NixOS manual ("Upgrading NixOS"): root's channel `nixos` is
 * https://nixos.org/channels/nixos-<release>; when it is not, the activation subscribes it
 * (`nix-channel --add URL nixos`) and runs `nixos-rebuild switch --upgrade` ("update the root user's
 * channel named 'nixos' before rebuilding the system", nixos-rebuild(8)). An unchanged release runs a
 * plain switch and never pulls a newer channel. system.stateVersion is not the release: "the first
 * version of NixOS you have installed on this particular machine … Most users should never change
 * this value after the initial install" (NixOS options, system.stateVersion, nixos/modules/misc/
 * version.nix), so `validate` refuses a configuration whose stateVersion differs from the installed one.
 */
import type { Lab, Machine } from "../../model/lab";
import { machinePath } from "../intents";
import { NIXOS_CONFIG, renderNixosConfiguration } from "../nixos";
import type { UnitSpec } from "../unit-script";
import { sshdChecks, sshdFact } from "./ssh";

/** The system profile; each switch makes a new generation `system-<n>-link` it points to. */
export const SYSTEM_PROFILE = "/nix/var/nix/profiles/system";
/** Root's channels profile; each `nix-channel --update` makes a generation `channels-<n>-link`. */
export const CHANNELS_PROFILE = "/nix/var/nix/profiles/per-user/root/channels";

/** The channel a release follows (NixOS manual, "Upgrading NixOS"). */
export const channelUrl = (release: string) => `https://nixos.org/channels/nixos-${release}`;

/** The URL root's channel `nixos` is subscribed to (`nix-channel --list` prints `name url`). */
const subscribed = `{ nix-channel --list | awk '$1 == "nixos" { print $2 }'; }`;
const current = `{ readlink ${SYSTEM_PROFILE} 2>/dev/null || echo none; }`;
const channels = `{ readlink ${CHANNELS_PROFILE} 2>/dev/null || echo none; }`;

/**
 * validate: the installed configuration's system.stateVersion (the top-level line that
 * nixos-generate-config and this project write) must equal the new one. No installed file, or no
 * such line: nothing to compare.
 */
export function stateVersionGuard(m: Machine, installed = NIXOS_CONFIG): string {
  const want = m.nixos!.stateVersion;
  const at = `${machinePath(m)}.nixos`;
  return [
    `cur=$(sed -n 's/^[[:space:]]*system\\.stateVersion[[:space:]]*=[[:space:]]*"\\([^"]*\\)".*/\\1/p' ${installed} 2>/dev/null | head -n 1)`,
    `if [ -n "$cur" ] && [ "$cur" != "${want}" ]; then fail "${m.name} was installed with system.stateVersion \\"$cur\\" (${installed}) and the new configuration has \\"${want}\\"; system.stateVersion must stay at the release the machine was first installed with (NixOS manual, system.stateVersion). Set ${at}.stateVersion: \\"$cur\\" and change only ${at}.release to upgrade"; fi`,
  ].join("; ");
}

/** activate: a plain switch on the declared channel, else subscribe it and switch --upgrade. */
export function channelSwitch(m: Machine): string {
  const url = channelUrl(m.nixos!.release);
  return `if [ "$(${subscribed})" = ${url} ]; then nixos-rebuild switch; else nix-channel --add ${url} nixos && nixos-rebuild switch --upgrade; fi`;
}

/** snapshot: the system generation, root's `nixos` subscription and channels generation before. */
export const nixosSnapshot = {
  save: `${current} > "$BK/runtime" && ${subscribed} > "$BK/channel" && ${channels} > "$BK/channels"`,
  // Back to them: one --rollback when the switch made a new generation, then it must be current;
  // the subscription as it was; an --update undone with `nix-channel --rollback <generation>`.
  restore: [
    `want=$(cat "$BK/runtime"); if [ "$(${current})" != "$want" ]; then [ "$want" != none ] && nixos-rebuild switch --rollback >&2 && [ "$(${current})" = "$want" ]; fi`,
    `ch=$(cat "$BK/channel"); if [ "$(${subscribed})" != "$ch" ]; then if [ -n "$ch" ]; then nix-channel --add "$ch" nixos; else nix-channel --remove nixos; fi; fi`,
    `gen=$(cat "$BK/channels"); if [ "$gen" != none ] && [ "$(${channels})" != "$gen" ]; then gen=\${gen#channels-}; nix-channel --rollback "\${gen%-link}" >&2; fi`,
  ]
    .map((step) => `{ ${step}; }`)
    .join(" && "),
};

export function nixosUnit(lab: Lab, m: Machine): UnitSpec {
  return {
    machine: m.name,
    unit: "nixos",
    files: [
      {
        name: "configuration.nix",
        target: NIXOS_CONFIG,
        mode: "0644",
        content: renderNixosConfiguration(lab, m),
      },
    ],
    validate: [
      `nix-instantiate --parse "$STAGE/configuration.nix" >/dev/null || fail "configuration.nix does not parse"`,
      stateVersionGuard(m),
    ],
    activate: [channelSwitch(m)],
    verify: sshdChecks(lab, m, "the NixOS configuration did not take effect"),
    facts: [sshdFact(lab, m)],
    guard: { revertAfterSeconds: lab.revertAfterSeconds },
    snapshot: nixosSnapshot,
    setsSshPort: true,
  };
}
