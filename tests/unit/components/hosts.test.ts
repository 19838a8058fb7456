import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
  declaredState,
  renderObserveScript,
  renderStageScript,
  renderUnitBody,
  renderUnitCommand,
  unitHash,
} from "../../../renderers/unit-script";
import { guestNetworkUnit } from "../../../renderers/units/network";
import { sshdUnit } from "../../../renderers/units/ssh";
import { homeLab } from "../../support/labs";
import { assetText, byName, children, isSecret, reveal } from "../../support/inputs";
import { runMocked } from "../../support/mocks";

describe("component: LinuxHost", () => {
  const lab = homeLab();
  const hermes = lab.machines.find((m) => m.name === "hermes")!;
  const vm = lab.hypervisors[0]!.vms.find((v) => v.name === "hermes")!;

  it("applies the SSH baseline and the guest network, then publishes its intent with NIC bridges", async () => {
    const { resources } = await runMocked(async () => {
      const { LinuxHost } = await import("../../../components/linux-host");
      new LinuxHost("hermes", { lab, machine: hermes, vm, privateKey: pulumi.secret("K") });
    });
    assert.deepEqual(children(resources).sort(), [
      "command:remote:Command hermes-network-apply",
      "command:remote:Command hermes-ssh",
      "command:remote:Command hermes-sshd-apply",
      "command:remote:CopyToRemote hermes-network-apply.sh",
      "command:remote:CopyToRemote hermes-network-cloud-init-network.cfg",
      "command:remote:CopyToRemote hermes-network-converge.sh",
      "command:remote:CopyToRemote hermes-network-interfaces",
      "command:remote:CopyToRemote hermes-network-sysctl.conf",
      "command:remote:CopyToRemote hermes-sshd-apply.sh",
      "command:remote:CopyToRemote hermes-sshd-authorized_keys",
      "command:remote:CopyToRemote hermes-sshd-sshd.conf",
      "homelab:intent:Record hermes-intent",
      "homelab:linux:Host hermes",
      "homelab:ssh:ConfigUnit hermes-network",
      "homelab:ssh:ConfigUnit hermes-sshd",
      "pulumi-nodejs:dynamic/homelab:LiveState hermes-network-live",
      "pulumi-nodejs:dynamic/homelab:LiveState hermes-sshd-live",
    ]);
    const intent = byName(resources, "homelab:intent:Record", "hermes-intent").inputs
      .intent as Record<string, unknown>;
    assert.deepEqual(intent.nics, [{ zone: "dmz", bridge: "br-dmz", mac: "ca:fe:c0:ff:ee:07" }]);
    assert.deepEqual(intent.ssh, {
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
    const spec = sshdUnit(lab, hermes);
    assert.equal(
      byName(resources, "command:remote:Command", "hermes-sshd-apply").inputs.create,
      renderUnitCommand(spec, "root"),
    );
    const body = await assetText(
      byName(resources, "command:remote:CopyToRemote", "hermes-sshd-apply.sh").inputs.source,
    );
    assert.equal(body, renderUnitBody(spec));
    assert.match(body, /^ {2}sshd -t \|\| exit 1$/m);
    assert.match(body, /grep -qx 'passwordauthentication no'/);
  });

  it("observes each unit over SSH (key-only, pinned host key); sshd is under the dead-man switch, the network is not", async () => {
    const { resources } = await runMocked(async () => {
      const { LinuxHost } = await import("../../../components/linux-host");
      new LinuxHost("hermes", { lab, machine: hermes, vm, privateKey: pulumi.secret("K") });
    });
    for (const spec of [sshdUnit(lab, hermes), guestNetworkUnit(hermes)]) {
      const live = byName(
        resources,
        "pulumi-nodejs:dynamic/homelab:LiveState",
        `hermes-${spec.unit}-live`,
      );
      const { connection, __provider, applyId, ...rest } = live.inputs;
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
      assert.deepEqual(rest, {
        machine: "hermes",
        unit: spec.unit,
        token: unitHash(spec, "root"),
        revertAfterSeconds: spec.unit === "sshd" ? 120 : 0,
        state: declaredState(spec),
        observeScript: renderObserveScript(spec, { confirm: false }),
        confirmScript: renderObserveScript(spec, { confirm: true }),
        observeCommand: "sh -s",
        stageScript: renderStageScript(spec),
        applyCommand: renderUnitCommand(spec, "root"),
      });
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
      "command:remote:Command infra1-ssh",
      "command:remote:CopyToRemote infra1-nixos-apply.sh",
      "command:remote:CopyToRemote infra1-nixos-configuration.nix",
      "homelab:intent:Record infra1-intent",
      "homelab:nixos:Host infra1",
      "homelab:ssh:ConfigUnit infra1-nixos",
      "pulumi-nodejs:dynamic/homelab:LiveState infra1-nixos-live",
      "random:index/randomPassword:RandomPassword infra1-db-gitea",
      "random:index/randomPassword:RandomPassword infra1-db-nextcloud",
    ]);
    const apply = await assetText(
      byName(resources, "command:remote:CopyToRemote", "infra1-nixos-apply.sh").inputs.source,
    );
    assert.match(apply, /nix-instantiate --parse "\$STAGE\/configuration\.nix"/);
    assert.match(apply, /nixos-rebuild switch \|\| exit 1/);
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
