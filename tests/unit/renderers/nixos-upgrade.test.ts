/**
 * NixOS upgrades, run for real: the nixos unit's validate guard (system.stateVersion) and its
 * channel logic and snapshot in a temp dir, against the lab's nix-channel stand-in; the lab's
 * nixos-rebuild stand-in building with --upgrade. Paths of the host (/nix/var/nix/profiles,
 * /etc/nixos/configuration.nix) are moved into the temp dir; nothing outside it is touched.
 * In the unit's flow nixos-rebuild is a recording double (its real stand-in activates sshd and
 * nftables of the machine it runs on): switch makes a generation, --upgrade first runs
 * `nix-channel --update nixos` as nixos-rebuild(8) says, --rollback goes one generation back.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Machine } from "../../../model/lab";
import { renderNixosConfiguration } from "../../../renderers/nixos";
import {
  channelSwitch,
  channelUrl,
  nixosSnapshot,
  nixosUnit,
  stateVersionGuard,
} from "../../../renderers/units/nixos";
import { homeLab } from "../../support/labs";

const SHIMS = path.resolve(__dirname, "../../../lab/shims");
const at = "homelab:hypervisors.lewis.vms.infra1.nixos";

describe("NixOS upgrades: release follows the channel, system.stateVersion stays", function () {
  this.timeout(30000);
  let dir: string;
  const machine = (release: string, stateVersion?: string): Machine =>
    homeLab([
      { set: `${at}.release`, value: release },
      ...(stateVersion ? [{ set: `${at}.stateVersion`, value: stateVersion }] : []),
    ]).machines.find((m) => m.name === "infra1")!;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "homelab-nixos-upgrade-"));
    mkdirSync(`${dir}/bin`);
    mkdirSync(`${dir}/root`);
    mkdirSync(`${dir}/bk`);
    mkdirSync(`${dir}/etc/nixos`, { recursive: true });
    writeFileSync(
      `${dir}/bin/nixos-rebuild`,
      [
        "#!/bin/bash",
        "# TEST DOUBLE of nixos-rebuild (see the header of this test): records argv, keeps generations",
        'echo "$*" >> "$T/rebuild.log"',
        'P=$NIXOS_SHIM_PROFILES; cur=$(readlink "$P/system" 2>/dev/null | sed -n "s/^system-\\([0-9]*\\)-link$/\\1/p")',
        'case " $* " in *" --upgrade "*) nix-channel --update nixos || exit 1;; esac',
        'case " $* " in *" --rollback "*) ln -sfn "system-$((cur - 1))-link" "$P/system"; exit 0;; esac',
        'new=$(( ${cur:-0} + 1 )); ln -sfn "$(readlink -f "$P/per-user/root/channels/nixos")" "$P/system-$new-link" && ln -sfn "system-$new-link" "$P/system"',
        '[ -z "${FAIL_SWITCH:-}" ]',
      ].join("\n"),
      { mode: 0o755 },
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const env = (extra: NodeJS.ProcessEnv = {}) => ({
    PATH: `${dir}/bin:${SHIMS}:${process.env.PATH}`,
    HOME: `${dir}/root`,
    T: dir,
    NIXOS_SHIM_PROFILES: `${dir}/profiles`,
    NIXOS_SHIM_STORE: `${dir}/store`,
    NIXOS_SHIM_ETC: `${dir}/etc`,
    HOMELAB_SHIM_LOG: `${dir}/shims.log`,
    ...extra,
  });
  /** Runs unit shell as apply.sh would: `fail` stops with the message; host paths moved to $dir. */
  const sh = (script: string, extra: NodeJS.ProcessEnv = {}) => {
    const moved = script
      .replaceAll("/nix/var/nix/profiles", `${dir}/profiles`)
      .replaceAll("/etc/nixos/configuration.nix", `${dir}/etc/nixos/configuration.nix`);
    const r = spawnSync(
      "sh",
      ["-c", `set -eu; BK=${dir}/bk; fail() { echo "$*" >&2; exit 1; }\n${moved}`],
      { env: env(extra), encoding: "utf8" },
    );
    return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
  };
  const tool = (cmd: string, ...args: string[]) =>
    spawnSync(cmd, args, { env: env(), encoding: "utf8" });
  const rebuilds = () => {
    try {
      return readFileSync(`${dir}/rebuild.log`, "utf8").trim().split("\n");
    } catch {
      return [];
    }
  };
  const channelRelease = () =>
    readFileSync(`${dir}/profiles/per-user/root/channels/nixos/.version`, "utf8").trim();

  it("renders system.stateVersion from stateVersion and the channel from release (by value)", () => {
    const m = machine("25.11", "25.05");
    const lab = homeLab([
      { set: `${at}.release`, value: "25.11" },
      { set: `${at}.stateVersion`, value: "25.05" },
    ]);
    assert.match(renderNixosConfiguration(lab, m), /^ {2}system\.stateVersion = "25\.05";$/m);
    assert.equal(channelUrl("25.11"), "https://nixos.org/channels/nixos-25.11");
    assert.equal(
      channelSwitch(m),
      `if [ "$({ nix-channel --list | awk '$1 == "nixos" { print $2 }'; })" = https://nixos.org/channels/nixos-25.11 ]; then nixos-rebuild switch; else nix-channel --add https://nixos.org/channels/nixos-25.11 nixos && nixos-rebuild switch --upgrade; fi`,
    );
    const unit = nixosUnit(lab, m);
    assert.deepEqual(unit.activate, [channelSwitch(m)]);
    assert.equal(unit.validate![1], stateVersionGuard(m));
    assert.equal(unit.snapshot, nixosSnapshot);
  });

  it("validate refuses a stateVersion other than the installed one, naming the host, both values and the fix", () => {
    writeFileSync(
      `${dir}/etc/nixos/configuration.nix`,
      '{ config, pkgs, ... }:\n{\n  # system.stateVersion = "20.03";\n  system.stateVersion = "24.11"; # Did you read the comment?\n}\n',
    );
    const r = sh(stateVersionGuard(machine("25.05")));
    assert.equal(r.status, 1);
    assert.equal(
      r.out,
      `infra1 was installed with system.stateVersion "24.11" (${dir}/etc/nixos/configuration.nix) and the new configuration has "25.05"; system.stateVersion must stay at the release the machine was first installed with (NixOS manual, system.stateVersion). Set ${at}.stateVersion: "24.11" and change only ${at}.release to upgrade\n`,
    );
    assert.equal(sh(stateVersionGuard(machine("25.05", "24.11"))).status, 0, "kept: passes");
  });

  it("validate passes a first install (no configuration.nix yet)", () => {
    const r = sh(stateVersionGuard(machine("25.05")));
    assert.deepEqual(r, { status: 0, out: "" });
  });

  it("subscribes and upgrades only when the release changed; an unchanged release never updates the channel", () => {
    const first = sh(channelSwitch(machine("25.05")));
    assert.equal(first.status, 0, first.out);
    assert.deepEqual(rebuilds(), ["switch --upgrade"]);
    assert.equal(
      tool("nix-channel", "--list").stdout,
      "nixos https://nixos.org/channels/nixos-25.05\n",
    );
    assert.equal(channelRelease(), "25.05");

    const again = sh(channelSwitch(machine("25.05")));
    assert.equal(again.status, 0, again.out);
    assert.deepEqual(rebuilds(), ["switch --upgrade", "switch"]);
    const updates = readFileSync(`${dir}/shims.log`, "utf8").match(/"argv":\["--update"/g);
    assert.equal(updates?.length, 1, "the repeated run pulled no channel");

    const upgrade = sh(channelSwitch(machine("25.11", "25.05")));
    assert.equal(upgrade.status, 0, upgrade.out);
    assert.deepEqual(rebuilds(), ["switch --upgrade", "switch", "switch --upgrade"]);
    assert.equal(
      tool("nix-channel", "--list").stdout,
      "nixos https://nixos.org/channels/nixos-25.11\n",
    );
    assert.equal(channelRelease(), "25.11");
  });

  it("the snapshot takes a failed upgrade back: system generation, subscription and channel contents", () => {
    assert.equal(sh(channelSwitch(machine("25.05"))).status, 0);
    const before = {
      system: tool("readlink", `${dir}/profiles/system`).stdout,
      channels: tool("readlink", `${dir}/profiles/per-user/root/channels`).stdout,
    };
    assert.equal(sh(nixosSnapshot.save).status, 0);
    const failed = sh(channelSwitch(machine("25.11", "25.05")), { FAIL_SWITCH: "1" });
    assert.equal(failed.status, 1, "the switch failed");
    assert.equal(channelRelease(), "25.11", "the upgrade had pulled the new channel");
    const restored = sh(nixosSnapshot.restore);
    assert.equal(restored.status, 0, restored.out);
    assert.equal(tool("readlink", `${dir}/profiles/system`).stdout, before.system);
    assert.equal(
      tool("readlink", `${dir}/profiles/per-user/root/channels`).stdout,
      before.channels,
    );
    assert.equal(
      tool("nix-channel", "--list").stdout,
      "nixos https://nixos.org/channels/nixos-25.05\n",
    );
    assert.equal(channelRelease(), "25.05");
    assert.deepEqual(rebuilds().slice(-1), ["switch --rollback"]);
  });

  it("nix-channel stand-in: follows nix-channel(1) and rejects what it would", () => {
    assert.equal(tool("nix-channel", "--add", "https://nixos.org/channels/nixos-25.05").status, 0);
    assert.equal(
      readFileSync(`${dir}/root/.nix-channels`, "utf8"),
      "https://nixos.org/channels/nixos-25.05 nixos-25.05\n",
      "name defaults to the URL's last component; the file holds URL NAME",
    );
    assert.match(
      tool("nix-channel", "--add", "ftp://x/nixos-25.05", "nixos").stderr,
      /invalid channel URL/,
    );
    assert.match(tool("nix-channel", "--add", "https://x/y", "-bad").stderr, /unknown flag '-bad'/);
    assert.match(
      tool("nix-channel", "--add", "https://x/y", "a b").stderr,
      /invalid channel identifier/,
    );
    assert.match(tool("nix-channel", "--frobnicate").stderr, /unknown flag '--frobnicate'/);
    assert.match(tool("nix-channel").stderr, /no operation specified/);
    assert.equal(tool("nix-channel", "--add", "https://example.org/other", "o").status, 0);
    const r = tool("nix-channel", "--update");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /unable to download 'https:\/\/example\.org\/other'/);
    assert.match(tool("nix-channel", "--rollback").stderr, /no generation older/);
  });

  it("nixos-rebuild stand-in: --upgrade updates channel nixos first and the system records its release", () => {
    writeFileSync(
      `${dir}/etc/nixos/configuration.nix`,
      renderNixosConfiguration(homeLab(), machine("25.05")),
    );
    mkdirSync(`${dir}/etc/ssh`);
    assert.equal(
      tool(
        "ssh-keygen",
        "-q",
        "-t",
        "ed25519",
        "-N",
        "",
        "-f",
        `${dir}/etc/ssh/ssh_host_ed25519_key`,
      ).status,
      0,
    );
    const build = (...args: string[]) =>
      spawnSync(
        "unshare",
        [
          "--net",
          `${SHIMS}/nixos-rebuild`,
          "build",
          "-I",
          `nixos-config=${dir}/etc/nixos/configuration.nix`,
          ...args,
        ],
        { env: { ...env(), PATH: `${SHIMS}:${process.env.PATH}` }, encoding: "utf8" },
      );
    const none = build();
    assert.equal(none.status, 1);
    assert.match(none.stderr, /file 'nixpkgs\/nixos' was not found in the Nix search path/);
    assert.equal(tool("nix-channel", "--add", channelUrl("25.05"), "nixos").status, 0);
    const up = build("--upgrade");
    assert.equal(up.status, 0, up.stderr);
    assert.match(
      up.stderr,
      /updating root's channel nixos\.\.\.[\s\S]*building from channel nixos 25\.05/,
    );
    const built = /built (\S+) \(nothing activated\)/.exec(up.stderr)![1]!;
    assert.equal(readFileSync(`${built}/nixos-version`, "utf8"), "25.05\n");
  });
});
