/**
 * The NixOS unit: configuration.nix, parsed, then `nixos-rebuild switch` under the dead-man switch
 * (deploy-rs's "magic rollback"): the configuration carries sshd and the firewall, so a switch that
 * cuts the deployer off must undo itself. The revert point is the system generation that was
 * current before the switch; a revert switches back to it with `nixos-rebuild switch --rollback`
 * ("roll back to the previous configuration … the one before the current generation of the Nix
 * profile /nix/var/nix/profiles/system", NixOS manual, nixos-rebuild(8)), which activates it again.
 */
import type { Lab, Machine } from "../../model/lab";
import { NIXOS_CONFIG, renderNixosConfiguration } from "../nixos";
import type { UnitSpec } from "../unit-script";
import { sshdChecks, sshdFact } from "./ssh";

/** The system profile; each switch makes a new generation `system-<n>-link` it points to. */
export const SYSTEM_PROFILE = "/nix/var/nix/profiles/system";

export function nixosUnit(lab: Lab, m: Machine): UnitSpec {
  const current = `{ readlink ${SYSTEM_PROFILE} 2>/dev/null || echo none; }`;
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
    ],
    activate: ["nixos-rebuild switch"],
    verify: sshdChecks(lab, m, "the NixOS configuration did not take effect"),
    facts: [sshdFact(lab, m)],
    guard: { revertAfterSeconds: lab.revertAfterSeconds },
    snapshot: {
      // The generation before the switch ("none" only before a host's first switch).
      save: `${current} > "$BK/runtime"`,
      // Back to it: one --rollback when the switch made a new generation, then it must be current.
      restore: `want=$(cat "$BK/runtime"); if [ "$(${current})" != "$want" ]; then [ "$want" != none ] && nixos-rebuild switch --rollback >&2 && [ "$(${current})" = "$want" ]; fi`,
    },
    setsSshPort: true,
  };
}
