/** The NixOS unit: configuration.nix, parsed before `nixos-rebuild switch`. */
import type { Lab, Machine } from "../../model/lab";
import { NIXOS_CONFIG, renderNixosConfiguration } from "../nixos";
import type { UnitSpec } from "../unit-script";

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
    ],
    activate: ["nixos-rebuild switch"],
  };
}
