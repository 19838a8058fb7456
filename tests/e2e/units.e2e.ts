/**
 * End to end, the unit mechanism on real hosts (after lab.e2e.ts, on the lab it converged): a unit
 * is all or nothing, one machine's failure stays its own, a NixOS switch that cuts SSH is rolled
 * back by the host, and an SSH port change converges. Every block returns the lab to the declared
 * state.
 */
import * as assert from "node:assert/strict";
import {
  deployerCanSsh,
  labJson,
  onHost,
  oobOf,
  patchLabConfig,
  previewChanges,
  pulumi,
  sh,
  sshdT,
  waitFor,
} from "./support";

const UP = ["up", "--yes", "--continue-on-error", "--policy-pack", "policies"];
/** The lab's dead-man switch window (lab/inventory.yaml), and a margin past it. */
const WINDOW = 45;
const deadmanLog = (host: string) =>
  onHost(host, "cat /var/log/homelab-deadman.log 2>/dev/null").output;
const converges = () => {
  const r = pulumi(UP);
  assert.equal(r.status, 0, r.output.slice(-3000));
};

describe("units: all or nothing on a real host", function () {
  this.timeout(900_000);
  it("a read-only /root/.ssh stops app1's sshd unit before anything is installed; a re-run converges", () => {
    const dropin = () => onHost("app1", "cat /etc/ssh/sshd_config.d/01-homelab.conf").output;
    const before = dropin();
    const restore = patchLabConfig([
      { set: "homelab:hosts.app1.ssh.sshd", value: { maxAuthTries: 5 } },
    ]);
    try {
      const ro = onHost(
        "app1",
        "mount --bind /root/.ssh /root/.ssh && mount -o remount,bind,ro /root/.ssh",
      );
      assert.equal(ro.status, 0, ro.output);
      const r = pulumi(UP);
      assert.notEqual(r.status, 0);
      assert.match(
        r.output,
        /homelab: sshd on app1: cannot write \/root\/\.ssh\/authorized_keys\.homelab-new: .*Read-only file system; nothing was changed/,
      );
      assert.equal(dropin(), before, "the sshd drop-in on disk is the previous one");
      assert.equal(sshdT("app1").maxauthtries, "3", "and so is the running sshd");
      const left = onHost(
        "app1",
        "find /etc/ssh /root/.ssh -name '*.homelab-new'; ls -A /var/lib/homelab/backup",
      );
      assert.equal(left.output.trim(), "", "no .homelab-new, no backup left behind");
      assert.equal(onHost("app1", "umount /root/.ssh").status, 0);
      converges();
      assert.equal(sshdT("app1").maxauthtries, "5");
    } finally {
      onHost("app1", "mountpoint -q /root/.ssh && umount /root/.ssh || :");
      restore();
    }
    converges();
    assert.equal(sshdT("app1").maxauthtries, "3");
  });
});

describe("units: one machine's failure stays its own", function () {
  this.timeout(900_000);
  it("a bad pinned host key on app1: every other machine converges and keeps its change", () => {
    const hv2Key = labJson().hosts.find((h) => h.name === "hv2")!.sshHostKey!;
    // (not proxy1: lab.e2e.ts's VM lifecycle removed it)
    const others = ["gw1", "hv1", "hv2", "nix1"];
    const logs = Object.fromEntries(others.map((h) => [h, deadmanLog(h)]));
    const restore = patchLabConfig([
      { set: "homelab:ssh.sshd", value: { maxAuthTries: 4 } },
      { set: "homelab:hosts.app1.ssh.hostKey", value: hv2Key },
    ]);
    try {
      const r = pulumi(UP);
      assert.notEqual(r.status, 0, "the update fails (app1)");
      assert.match(
        r.output,
        /command:remote:Command \(app1-(sshd|network)-apply\):\s+error: [^\n]*host key mismatch/,
      );
      for (const h of others) assert.equal(sshdT(h).maxauthtries, "4", `${h} converged`);
      assert.equal(sshdT("app1").maxauthtries, "3", "app1 was not touched");
      // Their dead-man confirmations completed: nothing reverts after the window.
      sh(`sleep ${WINDOW + 5}`);
      for (const h of others) {
        assert.equal(sshdT(h).maxauthtries, "4", `${h} kept its change`);
        assert.equal(deadmanLog(h), logs[h], `${h} did not revert`);
      }
    } finally {
      restore();
    }
    converges();
    for (const h of [...others, "app1"]) assert.equal(sshdT(h).maxauthtries, "3", h);
  });
});

describe("units: a NixOS switch under the dead-man switch", function () {
  this.timeout(900_000);
  const P = "/nix/var/nix/profiles/system";
  it("a switch that cuts SSH is rolled back by nix1 itself to the previous generation", () => {
    const generation = onHost("nix1", `readlink ${P}`).output.trim();
    assert.match(generation, /^system-\d+-link$/, "nix1 has a current generation");
    // A module on the host that the switch picks up (it is imported when present) locks root out.
    const module = onHost(
      "nix1",
      `echo '{ ... }: { services.openssh.settings.AllowUsers = [ "nobody" ]; }' > /etc/nixos/hardware-configuration.nix`,
    );
    assert.equal(module.status, 0, module.output);
    const restore = patchLabConfig([
      { set: "homelab:hosts.nix1.nixos.firewall", value: { tcp: [9100] } },
    ]);
    try {
      const r = pulumi(UP);
      assert.notEqual(r.status, 0, "the update must fail");
      assert.match(
        r.output,
        /homelab: nixos on nix1: the change was applied, but the deployer could not open a new SSH session to root@[\d.]+:22 afterwards/,
      );
      assert.match(r.output, /nix1 restores its previous configuration by itself within 45 s/);
      assert.notEqual(onHost("nix1", `readlink ${P}`).output.trim(), generation, "switched");
      assert.equal(deployerCanSsh("nix1"), false, "locked out right after the switch");
      assert.ok(
        waitFor(() => deployerCanSsh("nix1"), WINDOW + 30),
        "reachable after the revert",
      );
      assert.equal(
        onHost("nix1", `readlink ${P}`).output.trim(),
        generation,
        "previous generation",
      );
      assert.match(
        deadmanLog("nix1"),
        /nixos on nix1: not confirmed within 45 s over a new SSH connection; reverted to the previous configuration \(runtime state restored\)/,
      );
      assert.doesNotMatch(onHost("nix1", "sshd -T | grep -i allowusers || :").output, /nobody/);
      assert.doesNotMatch(
        onHost("nix1", "nft list chain inet nixos-fw input-allow").output,
        /9100/,
        "the firewall is the previous one too",
      );
    } finally {
      onHost("nix1", "rm -f /etc/nixos/hardware-configuration.nix");
      restore();
    }
    converges();
    assert.deepEqual(previewChanges(["--refresh"]).changes, []);
  });
});

describe("units: an SSH port change converges", function () {
  this.timeout(900_000);
  const intentPort = () => {
    const r = pulumi(["stack", "export"]);
    const doc = JSON.parse(r.stdout) as {
      deployment: {
        resources: { urn: string; inputs?: { intent?: { ssh?: { port: number } } } }[];
      };
    };
    return doc.deployment.resources.find((x) => x.urn.endsWith("::app1-intent"))!.inputs!.intent!
      .ssh!.port;
  };

  it("a new port that cannot be confirmed is undone by app1, and state keeps the old port", () => {
    const block = onHost(
      "app1",
      "nft add table inet e2e && nft add chain inet e2e in '{ type filter hook input priority -10; }' && nft add rule inet e2e in tcp dport 2222 drop",
    );
    assert.equal(block.status, 0, block.output);
    const restore = patchLabConfig([{ set: "homelab:hosts.app1.ssh.port", value: 2222 }]);
    try {
      const r = pulumi(UP);
      assert.notEqual(r.status, 0);
      assert.match(
        r.output,
        /homelab: sshd on app1: moving SSH from port 22 to 2222: the change was applied over port 22, but a new SSH connection to root@[\d.]+:2222 did not confirm it/,
      );
      assert.ok(
        waitFor(() => sshdT("app1").port === "22", WINDOW + 30),
        "app1 is back on port 22",
      );
      assert.equal(intentPort(), 22, "the intent record does not claim the unapplied port");
    } finally {
      onHost("app1", "nft delete table inet e2e");
      restore();
    }
    converges();
  });

  it("applied on the old port, confirmed on the new one, then pinned: the next run is a no-op", () => {
    const restore = patchLabConfig([{ set: "homelab:hosts.app1.ssh.port", value: 2222 }]);
    try {
      converges();
      assert.equal(sshdT("app1").port, "2222");
      assert.equal(intentPort(), 2222);
      const again = pulumi(UP);
      assert.equal(again.status, 0, again.output.slice(-3000));
      assert.deepEqual(again.steps, [], "converged in one run");
    } finally {
      restore();
    }
    converges();
    assert.equal(sshdT("app1").port, "22");
    assert.equal(intentPort(), 22);
    assert.deepEqual(previewChanges(["--refresh"]).changes, []);
  });
});

describe("units: adopting a machine configured by hand (observe, preview, apply, restore)", function () {
  this.timeout(1_800_000);
  const EFFECTIVE = "sshd -T (effective settings)";
  const DROPIN = "/etc/ssh/sshd_config.d/01-homelab.conf";
  const ADOPTED = "/var/lib/homelab/adopted";
  const handConfig = () =>
    onHost("app1", `md5sum /etc/ssh/sshd_config; ls ${DROPIN} 2>&1; ls /root/.homelab/stage 2>&1`)
      .output;
  let restoreConfig: () => void = () => undefined;
  after(() => restoreConfig());

  it("app1 as its owner left it: password logins on in sshd_config, no homelab drop-in, no records", () => {
    const r = onHost(
      "app1",
      [
        `rm -rf ${DROPIN} ${ADOPTED} /root/.homelab/stage`,
        // Below Debian's `Include sshd_config.d/*.conf`, where an owner's edit usually is.
        "echo 'PasswordAuthentication yes' >> /etc/ssh/sshd_config",
        "sshd -t && (systemctl reload ssh 2>/dev/null || service ssh reload)",
      ].join(" && "),
    );
    assert.equal(r.status, 0, r.output);
    assert.equal(sshdT("app1").passwordauthentication, "yes");
  });

  it("discovery proposes app1 with its real host key and its password logins, and writes nothing", () => {
    const before = handConfig();
    const pinned = labJson().hosts.find((h) => h.name === "app1")!.sshHostKey!;
    const args = `root@${oobOf("app1")} --identity /run/homelab-lab/lab/deploy_ed25519 --name app1`;
    const r = sh(`npm run -s discover -- ${args}`);
    assert.equal(r.status, 0, r.output);
    assert.ok(
      r.stdout.includes(`hostKey: ${pinned.split(" ").slice(0, 2).join(" ")}`),
      `the key the lab pinned for app1:\n${r.output}`,
    );
    assert.match(r.stdout, /^\s+observeOnly: true\b/m);
    assert.match(r.stdout, /^\s+passwordAuthentication: true\b/m);
    const wrong = sh(`npm run -s discover -- ${args} --fingerprint SHA256:${"A".repeat(43)}`);
    assert.equal(wrong.status, 1, wrong.output);
    assert.equal(handConfig(), before, "nothing was written on app1");
  });

  it("the policy pack blocks the inventory that keeps password logins, before anything runs", () => {
    restoreConfig = patchLabConfig([
      { set: "homelab:hosts.app1.ssh.observeOnly", value: true },
      { set: "homelab:hosts.app1.ssh.sshd", value: { passwordAuthentication: true } },
    ]);
    const before = handConfig();
    const p = pulumi(["preview", "--policy-pack", "policies"]);
    assert.notEqual(p.status, 0, "preview must fail");
    assert.match(p.output, /mandatory.*ssh-no-password-auth/s);
    assert.ok(p.output.includes("[finding sshd-password:app1]"), p.output.slice(-3000));
    assert.equal(handConfig(), before, "nothing was written on app1");
  });

  it("observed only: the first up records app1 and writes nothing on it", () => {
    restoreConfig();
    restoreConfig = patchLabConfig([{ set: "homelab:hosts.app1.ssh.observeOnly", value: true }]);
    const before = handConfig();
    const r = pulumi(UP);
    assert.equal(r.status, 0, r.output.slice(-3000));
    const app1 = r.steps.filter((s) => s.name.startsWith("app1-"));
    assert.deepEqual(
      app1.filter((s) => s.type === "command:remote:Command" && s.op !== "delete"),
      [],
      "none of app1's commands runs (they are only forgotten)",
    );
    assert.ok(
      app1.some((s) => s.op === "update" && s.name === "app1-sshd-live"),
      JSON.stringify(app1),
    );
    assert.equal(handConfig(), before, "nothing was written on app1");
    assert.equal(sshdT("app1").passwordauthentication, "yes");
  });

  it("after removing observeOnly, preview --refresh shows live → declared for app1's sshd", () => {
    restoreConfig();
    restoreConfig = () => undefined;
    const p = previewChanges(["--refresh"]);
    assert.equal(p.status, 0, p.output.slice(-3000));
    assert.ok(p.changes.includes("create app1-sshd-apply"), p.changes.join("\n"));
    const step = p.digest.steps!.find(
      (s) => s.op === "update" && s.urn.endsWith("::app1-sshd-live"),
    ) as
      | {
          oldState: { inputs: Record<string, unknown> };
          newState: { inputs: Record<string, unknown> };
        }
      | undefined;
    assert.ok(step, p.changes.join("\n"));
    const live = step.oldState.inputs.state as Record<string, string>;
    const declared = step.newState.inputs.state as Record<string, string>;
    assert.equal(step.oldState.inputs.observeOnly, true);
    assert.match(live[EFFECTIVE]!, /^passwordauthentication yes$/m);
    assert.match(declared[EFFECTIVE]!, /^passwordauthentication no$/m);
    assert.doesNotMatch(live[DROPIN]!, /PasswordAuthentication/, "the drop-in is not there yet");
    assert.match(declared[DROPIN]!, /^PasswordAuthentication no$/m);
  });

  it("up converges app1, a refresh is clean, and restore.sh brings the owner's files back", () => {
    converges();
    assert.equal(sshdT("app1").passwordauthentication, "no");
    assert.deepEqual(previewChanges(["--refresh"]).changes, []);
    const r = onHost("app1", `sh ${ADOPTED}/restore.sh`);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, new RegExp(`removed ${DROPIN} \\(homelab added it\\)`));
    assert.match(r.output, /reloaded sshd/);
    assert.equal(sshdT("app1").passwordauthentication, "yes", "the owner's setting is back");
    assert.ok(deployerCanSsh("app1"), "and the deployer still gets in (authorized_keys kept)");
    // Back to the declared lab for what runs after.
    onHost("app1", "sed -i '/^PasswordAuthentication yes$/d' /etc/ssh/sshd_config");
    const again = pulumi([...UP, "--refresh"]);
    assert.equal(again.status, 0, again.output.slice(-3000));
    assert.equal(sshdT("app1").passwordauthentication, "no");
  });
});
