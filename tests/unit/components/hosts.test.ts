import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
  renderUnitBundle,
  stagedFiles,
  UNIT_COMMAND,
  unitHash,
} from "../../../renderers/unit-bundle";
import { declaredState, renderObserveScript } from "../../../renderers/unit-live";
import { channelSwitch, nixosUnit } from "../../../renderers/units/nixos";
import { packScript, unpackScript } from "../../../providers/live-state";
import { guestNetworkUnit } from "../../../renderers/units/network";
import { sshdUnit } from "../../../renderers/units/ssh";
import { homeLab } from "../../support/labs";
import { byName, children, isSecret, reveal } from "../../support/inputs";
import { runMocked } from "../../support/mocks";
import { SSH_BOOT, SSH_WAIT } from "../../../components/connection";

describe("component: LinuxHost", () => {
  const lab = homeLab();
  const hermes = lab.machines.find((m) => m.name === "hermes")!;
  const vm = lab.hypervisors[0]!.vms.find((v) => v.name === "hermes")!;

  it("applies each unit in one command (files on stdin), behind the SshPort, then publishes its intent", async () => {
    const { resources } = await runMocked(async () => {
      const { LinuxHost } = await import("../../../components/linux-host");
      new LinuxHost("hermes", { lab, machine: hermes, vm, privateKey: pulumi.secret("K") });
    });
    assert.deepEqual(children(resources).sort(), [
      "command:remote:Command hermes-network-apply",
      "command:remote:Command hermes-sshd-apply",
      "homelab:intent:Record hermes-intent",
      "homelab:linux:Host hermes",
      "homelab:ssh:ConfigUnit hermes-network",
      "homelab:ssh:ConfigUnit hermes-sshd",
      "pulumi-nodejs:dynamic/homelab:LiveState hermes-network-live",
      "pulumi-nodejs:dynamic/homelab:LiveState hermes-sshd-live",
      "pulumi-nodejs:dynamic/homelab:SshPort hermes-ssh-port",
    ]);
    const intent = byName(resources, "homelab:intent:Record", "hermes-intent");
    const facts = intent.inputs.intent as Record<string, unknown>;
    assert.deepEqual(facts.nics, [{ zone: "dmz", bridge: "br-dmz", mac: "ca:fe:c0:ff:ee:07" }]);
    assert.deepEqual(facts.ssh, {
      port: 22,
      passwordAuthentication: false,
      kbdInteractiveAuthentication: false,
      permitRootLogin: "prohibit-password",
      loginUser: "root",
      hostKeyPinned: true,
      settingsFrom: {
        passwordAuthentication: "homelab:ssh.sshd",
        kbdInteractiveAuthentication: "homelab:ssh.sshd",
        permitRootLogin: "homelab:ssh.sshd",
      },
    });
    // The record claims what the machine has only once the SSH baseline (its port) was applied.
    assert.ok(intent.dependsOn!.includes("hermes-sshd-live"), String(intent.dependsOn));
    for (const spec of [sshdUnit(lab, hermes), guestNetworkUnit(hermes)]) {
      const apply = byName(resources, "command:remote:Command", `hermes-${spec.unit}-apply`);
      assert.equal(apply.inputs.create, UNIT_COMMAND);
      assert.equal(apply.inputs.stdin, renderUnitBundle(spec, "root"));
      assert.deepEqual(apply.inputs.triggers, [unitHash(spec, "root")]);
      assert.equal(apply.inputs.logging, "stderr");
      const conn = reveal<Record<string, unknown>>(apply.inputs.connection);
      assert.ok(isSecret(apply.inputs.connection));
      assert.deepEqual(
        [conn.host, conn.port, conn.hostKey, conn.dialErrorLimit, conn.perDialTimeout],
        ["192.168.30.7", 22, hermes.ssh!.hostKey, SSH_BOOT.dialErrorLimit, SSH_BOOT.perDialTimeout],
        "a new VM's first contact waits for its boot (bounded), with the pinned host key",
      );
      assert.ok(apply.dependsOn!.includes("hermes-ssh-port"), "waits for the SSH port");
    }
    const body = stagedFiles(sshdUnit(lab, hermes)).find((f) => f.name === "apply.sh")!.content;
    assert.match(body, /^ {2}sshd -t \|\| \{ say 'activation step failed: sshd -t'; exit 1; \}$/m);
    assert.match(body, /grep -qx 'passwordauthentication no'/);
    const port = byName(resources, "pulumi-nodejs:dynamic/homelab:SshPort", "hermes-ssh-port");
    const { connection, __provider, ...rest } = port.inputs;
    assert.ok(isSecret(connection));
    assert.equal(typeof __provider, "string");
    assert.deepEqual(rest, {
      machine: "hermes",
      unit: "sshd",
      port: 22,
      revertAfterSeconds: 120,
      applyCommand: UNIT_COMMAND,
      applyScript: packScript(renderUnitBundle(sshdUnit(lab, hermes), "root")),
      observeCommand: "sh -s",
      observeScript: packScript(renderObserveScript(sshdUnit(lab, hermes))),
    });
    assert.equal(
      unpackScript(String(rest.applyScript)),
      renderUnitBundle(sshdUnit(lab, hermes), "root"),
    );
    assert.ok(String(__provider).length < 60_000, `a small provider: ${String(__provider).length}`);
  });

  it("dials a machine that is not a new VM with the ordinary first-contact patience", async () => {
    const { resources } = await runMocked(async () => {
      const { LinuxHost } = await import("../../../components/linux-host");
      new LinuxHost("hermes", { lab, machine: hermes, privateKey: pulumi.secret("K") });
    });
    for (const unit of ["sshd", "network"]) {
      const apply = byName(resources, "command:remote:Command", `hermes-${unit}-apply`);
      const conn = reveal<Record<string, unknown>>(apply.inputs.connection);
      assert.deepEqual(
        [conn.dialErrorLimit, conn.perDialTimeout],
        [SSH_WAIT.dialErrorLimit, SSH_WAIT.perDialTimeout],
        unit,
      );
    }
  });

  it("observes each unit over SSH (key-only, pinned host key); sshd is under the dead-man switch, the network is not", async () => {
    const { resources } = await runMocked(
      async () => {
        const { LinuxHost } = await import("../../../components/linux-host");
        new LinuxHost("hermes", { lab, machine: hermes, vm, privateKey: pulumi.secret("K") });
      },
      {
        outputs: (r) => (r.type === "command:remote:Command" ? { stdout: `out of ${r.name}` } : {}),
      },
    );
    for (const spec of [sshdUnit(lab, hermes), guestNetworkUnit(hermes)]) {
      const live = byName(
        resources,
        "pulumi-nodejs:dynamic/homelab:LiveState",
        `hermes-${spec.unit}-live`,
      );
      const { connection, __provider, applyId, applyOutput, ...rest } = live.inputs;
      assert.ok(isSecret(connection), "the connection (deploy key) is a secret");
      assert.deepEqual(reveal(connection), {
        host: "192.168.30.7",
        port: 22,
        user: "root",
        privateKey: "K",
        hostKey: hermes.ssh!.hostKey,
      });
      assert.equal(typeof __provider, "string", "serialized provider");
      assert.doesNotMatch(
        String(__provider),
        /"K"|PRIVATE KEY/,
        "no key material in the provider code",
      );
      assert.ok(
        typeof applyId === "string" && applyId.length > 0,
        "follows its apply command's id",
      );
      assert.equal(applyOutput, `out of hermes-${spec.unit}-apply`, "and its output");
      assert.deepEqual(rest, {
        machine: "hermes",
        unit: spec.unit,
        token: unitHash(spec, "root"),
        revertAfterSeconds: spec.unit === "sshd" ? 120 : 0,
        state: declaredState(spec),
        observeScript: packScript(renderObserveScript(spec)),
        observeCommand: "sh -s",
        applyCommand: UNIT_COMMAND,
        applyScript: packScript(renderUnitBundle(spec, "root")),
      });
      assert.equal(unpackScript(String(rest.observeScript)), renderObserveScript(spec));
      assert.ok(
        String(__provider).length < 60_000,
        `a small provider: ${String(__provider).length}`,
      );
    }
  });
});

describe("component: NixosHost", () => {
  const lab = homeLab();
  const infra1 = lab.machines.find((m) => m.name === "infra1")!;

  it("activates configuration.nix with nixos-rebuild and sets generated MariaDB passwords through secret stdin", async () => {
    const { resources } = await runMocked(
      async () => {
        const { NixosHost } = await import("../../../components/nixos-host");
        const host = new NixosHost("infra1", {
          lab,
          machine: infra1,
          privateKey: pulumi.secret("K"),
        });
        return { passwords: host.databasePasswords };
      },
      {
        outputs: (r) =>
          r.type === "random:index/randomPassword:RandomPassword" ? { result: `pw-${r.name}` } : {},
      },
    );
    assert.deepEqual(children(resources).sort(), [
      "command:remote:Command infra1-db-users",
      "command:remote:Command infra1-nixos-apply",
      "homelab:intent:Record infra1-intent",
      "homelab:nixos:Host infra1",
      "homelab:ssh:ConfigUnit infra1-nixos",
      "pulumi-nodejs:dynamic/homelab:LiveState infra1-nixos-live",
      "pulumi-nodejs:dynamic/homelab:SshPort infra1-ssh-port",
      "random:index/randomPassword:RandomPassword infra1-db-gitea",
      "random:index/randomPassword:RandomPassword infra1-db-nextcloud",
    ]);
    const spec = nixosUnit(lab, infra1);
    assert.equal(
      byName(resources, "command:remote:Command", "infra1-nixos-apply").inputs.stdin,
      renderUnitBundle(spec, "root"),
    );
    const apply = stagedFiles(spec).find((f) => f.name === "apply.sh")!.content;
    assert.match(apply, /nix-instantiate --parse "\$STAGE\/configuration\.nix"/);
    // The switch follows the channel of the release (an upgrade only when it changed).
    assert.ok(apply.includes(`\n  ${channelSwitch(infra1)} || {`), apply);
    // The switch is guarded: it reverts to the previous generation unless confirmed.
    assert.match(apply, /--revert-after 120/);
    const live = byName(resources, "pulumi-nodejs:dynamic/homelab:LiveState", "infra1-nixos-live");
    assert.equal(live.inputs.revertAfterSeconds, 120);
    const users = byName(resources, "command:remote:Command", "infra1-db-users");
    assert.ok(isSecret(users.inputs.stdin), "the SQL carrying passwords is secret");
    assert.match(
      reveal<string>(users.inputs.stdin),
      /CREATE USER IF NOT EXISTS 'nextcloud'@'%' IDENTIFIED BY 'pw-infra1-db-nextcloud';/,
    );
    assert.equal(users.inputs.create, "mysql --protocol=socket -u root");
    assert.deepEqual(
      byName(resources, "random:index/randomPassword:RandomPassword", "infra1-db-gitea").inputs,
      { length: 32, special: false },
    );
  });
});
