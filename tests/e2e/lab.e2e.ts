/**
 * End to end: `make lab` (real Pulumi engine, policy pack, command provider) against the simulated
 * lab of real Linux hosts, then real packets, idempotence, policy blocking, targeted changes,
 * faults and secrets. Ordered: each block starts from the converged lab the previous one left.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  canConnect,
  canPing,
  deployerCanSsh,
  driftByHand,
  generatedHostKeys,
  labctl,
  labJson,
  onHost,
  onVm,
  oobOf,
  patchLabConfig,
  previewChanges,
  pulumi,
  sh,
  sshCounter,
  sshdT,
  transcript,
  waitFor,
} from "./support";

// As `make lab` runs it: one machine's failure never stops the others.
const UP = ["up", "--yes", "--continue-on-error", "--policy-pack", "policies"];
const DEBIAN_HOSTS = ["gw1", "hv1", "hv2", "proxy1", "app1"];
let deployKey = "";

describe("lab: converge (make lab)", function () {
  let up: ReturnType<typeof sh>;
  before(function () {
    this.timeout(1800_000);
    sh("scripts/lab.sh down");
    up = sh("scripts/lab.sh up", 1800);
    deployKey = readFileSync("/run/homelab-lab/lab/deploy_ed25519", "utf8");
  });

  it("pulumi up succeeds with the policy pack and creates the whole lab", () => {
    assert.equal(up.status, 0, up.output.slice(-4000));
    assert.match(up.output, /homelab@v0\.1\.0 \(local: policies\)/);
    // The mock count of the lab inventory (runProgram with its ssh blocks filled as scripts/lab.ts
    // does): 154 on main less 62 CopyToRemote and 7 SSH waits, plus 7 SshPort.
    assert.match(up.output, /\+ 92 created/);
  });

  it("every Debian host's sshd reports key-only logins (sshd -T)", () => {
    for (const h of DEBIAN_HOSTS) {
      const t = sshdT(h);
      assert.equal(t.passwordauthentication, "no", h);
      assert.equal(t.kbdinteractiveauthentication, "no", h);
      assert.equal(t.permitrootlogin, "without-password", h);
      assert.equal(t.maxauthtries, "3", h);
    }
  });

  it("the router's ruleset is loaded: default drop, the declared flows, NAT, the port-forwards", () => {
    const r = onHost("gw1", "nft list ruleset");
    assert.equal(r.status, 0, r.output);
    assert.match(
      r.output,
      /chain forward \{\n\s+type filter hook forward priority filter; policy drop;/,
    );
    assert.match(
      r.output,
      /iifname "eth1\.30" oifname "eth1\.20" ip daddr 10\.20\.0\.32 tcp dport 8080 accept comment "flow 4: dmz -> internal \(service app\)/,
    );
    assert.match(r.output, /iifname "wan0" tcp dport 443 dnat to 10\.30\.0\.21:443/);
    assert.match(r.output, /oifname "wan0" masquerade/);
  });

  it("hypervisors bridge the DMZ without an address of their own; the VM's NIC is on the bridge", () => {
    for (const hv of ["hv1", "hv2"]) {
      const addrs = onHost(
        hv,
        "ip -br addr show dev br-dmz; ip -br addr show dev eth1.30; ip -br addr show dev eth1",
      ).output;
      assert.match(addrs, /^br-dmz\s+UP\s*$/m, `${hv}: br-dmz has no address (v4 or v6)`);
      assert.match(addrs, /^eth1\.30@\S+\s+UP\s*$/m, `${hv}: eth1.30 has no address`);
      assert.match(
        addrs,
        /^eth1@\S+\s+UP\s+10\.40\.0\.1[12]\/24/m,
        `${hv}: management address on the trunk`,
      );
    }
    const ports = onHost("hv1", "bridge link").output;
    assert.match(ports, /eth1\.30@\S+: .* master br-dmz state forwarding/);
    assert.match(ports, /vn-proxy1-0: .* master br-dmz state forwarding/);
    assert.equal(onHost("hv1", "virsh domstate proxy1").output.trim(), "running");
  });

  it("proxy1 is a real QEMU guest defined by the real libvirt from the rendered domain XML", () => {
    assert.match(onHost("hv1", "virsh list --name").output, /^proxy1$/m);
    const ps = onHost("hv1", "ps -eo args | grep '^[^ ]*/qemu-system-x86_64 ' || true").output;
    assert.match(ps, /-name guest=proxy1/);
    assert.match(ps, / -accel tcg /);
    const live = onHost("hv1", "virsh dumpxml --inactive proxy1").output;
    assert.match(live, /<domain type='qemu'>/);
    assert.match(live, /<source bridge='br-dmz'\/>/);
    assert.match(live, /<source file='\/var\/lib\/libvirt\/images\/proxy1-seed\.iso'\/>/);
    const backing = onHost(
      "hv1",
      "qemu-img info -U --output=json /var/lib/libvirt/images/proxy1.qcow2",
    ).output;
    assert.match(
      backing,
      /"backing-filename": "\/var\/lib\/libvirt\/images\/debian-12-genericcloud-amd64\.qcow2"/,
    );
  });

  it("booted from the rendered seed with the generated host key, which every connection pinned", () => {
    const keys = generatedHostKeys();
    assert.match(keys.proxy1 ?? "", /^ssh-ed25519 AAAA/);
    // onVm connects with StrictHostKeyChecking=yes and only this key in known_hosts.
    assert.equal(
      onVm("proxy1", "cat /etc/ssh/ssh_host_ed25519_key.pub")
        .output.split(" ")
        .slice(0, 2)
        .join(" "),
      keys.proxy1,
    );
    assert.equal(
      onVm("proxy1", "ls /etc/ssh/ | grep -c '^ssh_host_.*_key$'").output.trim(),
      "1",
      "no other host keys",
    );
    assert.equal(onVm("proxy1", "hostname").output.trim(), "proxy1");
    // cloud-init read the seed the program built (the cdrom), and only that data source.
    assert.match(
      onVm("proxy1", "cat /run/cloud-init/result.json").output,
      /DataSourceNoCloud \[seed=\/dev\/sr0\]/,
    );
    assert.match(onVm("proxy1", "ip -br addr show eth0").output, /10\.30\.0\.21\/24/);
    // Secret material on the hypervisor is root-only.
    const modes = onHost(
      "hv1",
      "stat -c '%a %U %n' /var/lib/libvirt/images/proxy1-seed.iso /etc/homelab/vms/proxy1/host-keys.cfg",
    ).output;
    assert.match(modes, /^600 (root|libvirt-qemu) \/var\/lib\/libvirt\/images\/proxy1-seed\.iso$/m);
    assert.match(modes, /^600 root \/etc\/homelab\/vms\/proxy1\/host-keys\.cfg$/m);
  });

  it("the NixOS-role host switched to the rendered configuration.nix: its sshd and firewall are live", () => {
    const log = onHost("nix1", "cat /var/log/homelab-shims.log").output;
    // The first apply subscribes root's channel nixos to the release and upgrades from it.
    assert.match(log, /"shim":"nixos-rebuild","argv":\["switch","--upgrade"\],"rc":0/);
    assert.equal(
      onHost("nix1", "HOME=/root nix-channel --list; cat /run/current-system/nixos-version").output,
      "nixos https://nixos.org/channels/nixos-25.05\n25.05\n",
    );
    assert.match(
      onHost("nix1", "cat /etc/nixos/configuration.nix").output,
      /\/srv\/share 10\.20\.0\.32\(rw,sync,no_subtree_check\)/,
    );
    assert.match(
      onHost("nix1", "readlink /nix/var/nix/profiles/system").output,
      /^system-\d+-link$/m,
    );
    const t = sshdT("nix1");
    assert.deepEqual(
      [t.passwordauthentication, t.kbdinteractiveauthentication, t.maxauthtries],
      ["no", "no", "3"],
    );
    assert.match(
      onHost("nix1", "nft list chain inet nixos-fw input-allow").output,
      /tcp dport \{ 22, 2049 \} accept/,
    );
  });
});

describe("lab: isolation with real packets", function () {
  this.timeout(300_000);
  // make lab runs a stand-in listener for every declared service port (the hosts run only sshd).

  it("allowed flows work: hypervisors reach their DMZ guest; the DMZ proxy reaches the app", () => {
    assert.ok(canConnect("hv1", "10.30.0.21", 22), "hv1 -> proxy1:22 (hypervisors -> dmz tcp/22)");
    assert.ok(canConnect("hv2", "10.30.0.21", 443), "hv2 -> proxy1:443");
    assert.ok(canConnect("proxy1", "10.20.0.32", 8080), "proxy1 -> app1:8080 (toService app)");
  });

  it("the DMZ cannot reach the hypervisors (TCP and ping are dropped)", () => {
    for (const hv of ["10.40.0.11", "10.40.0.12"]) {
      assert.equal(canConnect("proxy1", hv, 22), false, `proxy1 -> ${hv}:22`);
      assert.equal(canPing("proxy1", hv), false, `ping ${hv}`);
    }
  });

  it("flows are exactly as narrow as declared", () => {
    assert.equal(
      canConnect("proxy1", "10.20.0.32", 22),
      false,
      "proxy1 -> app1:22 (only 8080 is allowed)",
    );
    assert.equal(canConnect("proxy1", "10.20.0.31", 2049), false, "proxy1 -> nix1:2049");
    assert.equal(
      canConnect("app1", "10.40.0.11", 22),
      false,
      "internal -> hypervisors has no flow",
    );
  });

  it("from the WAN only the published DMZ ports answer", () => {
    assert.equal(onHost("internet", "echo | nc -w2 203.0.113.1 443").output.trim(), "proxy1-443");
    assert.equal(onHost("internet", "echo | nc -w2 203.0.113.1 80").output.trim(), "proxy1-80");
    assert.equal(canConnect("internet", "203.0.113.1", 22), false, "router SSH from the WAN");
    assert.equal(canConnect("internet", "203.0.113.1", 8080), false, "unpublished port");
  });
});

describe("lab: idempotent", function () {
  this.timeout(600_000);
  it("a second pulumi up changes nothing and opens no SSH connection", () => {
    sshCounter.reset();
    const r = pulumi(UP);
    assert.equal(r.status, 0, r.output.slice(-3000));
    assert.deepEqual(r.steps, []);
    assert.match(r.output, /92 unchanged/); // every resource of the first converge
    assert.deepEqual(sshCounter.read(), {}, "no remote command ran");
  });
});

describe("lab: insecure changes are blocked by the policy pack", function () {
  this.timeout(600_000);
  const cases: {
    name: string;
    patch: Parameters<typeof patchLabConfig>[0];
    policy: string;
    finding: string;
  }[] = [
    {
      name: "password SSH on a host",
      patch: [{ set: "homelab:hosts.app1.ssh.sshd", value: { passwordAuthentication: true } }],
      policy: "ssh-no-password-auth",
      finding: "sshd-password:app1",
    },
    {
      name: "a DMZ -> hypervisors flow",
      patch: [
        { set: "homelab:flows[6]", value: { from: "dmz", to: "hypervisors", ports: ["tcp/22"] } },
      ],
      policy: "zone-isolation",
      finding: "flow:dmz->hypervisors",
    },
    {
      name: "a port-forward to an internal host",
      patch: [
        { set: "homelab:routers.gw1.portForwards[2]", value: { publicPort: 8080, service: "app" } },
      ],
      policy: "dmz-only-ingress",
      finding: "port-forward:gw1:tcp/8080",
    },
  ];
  for (const c of cases) {
    it(`${c.name}: preview and up fail naming ${c.policy}, and the hosts are unchanged`, () => {
      const ruleset = onHost("gw1", "nft list ruleset | sha256sum").output;
      const restore = patchLabConfig(c.patch);
      try {
        sshCounter.reset();
        const preview = pulumi(["preview", "--policy-pack", "policies"]);
        assert.notEqual(preview.status, 0, "preview must fail");
        assert.match(preview.output, new RegExp(`mandatory.*${c.policy}`, "s"));
        assert.ok(preview.output.includes(`[finding ${c.finding}]`), preview.output.slice(-3000));
        const up = pulumi(UP);
        assert.notEqual(up.status, 0, "up must fail");
        assert.deepEqual(up.steps, [], "nothing was changed");
        assert.deepEqual(sshCounter.read(), {}, "no host was contacted");
      } finally {
        restore();
      }
      assert.equal(sshdT("app1").passwordauthentication, "no");
      assert.equal(onHost("gw1", "nft list ruleset | sha256sum").output, ruleset);
    });
  }
});

describe("lab: a targeted change re-runs only that host's affected commands", function () {
  this.timeout(600_000);
  it("changing app1's sshd touches app1's sshd unit only", () => {
    let back: ReturnType<typeof pulumi>;
    const restore = patchLabConfig([
      { set: "homelab:hosts.app1.ssh.sshd", value: { maxAuthTries: 4 } },
    ]);
    try {
      sshCounter.reset();
      const r = pulumi(UP);
      assert.equal(r.status, 0, r.output.slice(-3000));
      assert.deepEqual(
        r.steps.map((s) => `${s.op} ${s.name}`).sort(),
        [
          "create-replacement app1-sshd-apply", // one command, the files on its stdin
          "delete-replaced app1-sshd-apply",
          "replace app1-sshd-apply",
          "update app1-sshd-live", // confirms the dead-man switch, verifies sshd -T
          // The engine records the stack config as the dynamic provider's configuration: any
          // config change updates that provider resource (bookkeeping in the state, no host).
          "update default",
        ].sort(),
      );
      const connections = sshCounter.read();
      assert.deepEqual(Object.keys(connections), ["app1"]);
      // The apply, and the dead-man confirmation over a new connection: two.
      assert.equal(connections.app1, 2);
      assert.equal(sshdT("app1").maxauthtries, "4");
      assert.equal(sshdT("proxy1").maxauthtries, "3");
    } finally {
      restore();
      // Converge back even when an assertion failed, so later blocks start from the declared lab.
      back = pulumi(UP);
    }
    assert.equal(back.status, 0, back.output.slice(-3000));
    assert.equal(sshdT("app1").maxauthtries, "3");
  });
});

describe("lab: drift is reported on refresh and repaired by the next up", function () {
  this.timeout(900_000);
  it("hand edits on three hosts show as changes on exactly their units, live → declared", () => {
    driftByHand();
    // seed 003's worst drift: a hypervisor that answers inside the DMZ its guests live in
    onHost("hv1", "ip addr add 10.30.0.250/24 dev br-dmz");
    assert.equal(sshdT("app1").passwordauthentication, "yes", "the edit is live");
    assert.match(onHost("hv1", "ip -4 -o addr show dev br-dmz").output, /10\.30\.0\.250\/24/);

    assert.deepEqual(previewChanges().changes, [], "without --refresh the engine trusts its state");
    const p = previewChanges(["--refresh"]);
    assert.equal(p.status, 0, p.output.slice(-3000));
    assert.deepEqual(p.changes, [
      "update app1-sshd-live",
      "update gw1-firewall-live",
      "update hv1-network-live",
    ]);
    const diff = pulumi(["preview", "--refresh", "--diff", "--policy-pack", "policies"]);
    assert.equal(diff.status, 0, diff.output.slice(-3000));
    assert.match(diff.output, /- PasswordAuthentication yes\n\s*\+ PasswordAuthentication no/);
    assert.match(diff.output, /- passwordauthentication yes\n\s*\+ passwordauthentication no/);
    assert.match(
      diff.output,
      /- differs from the declared ruleset \(- declared, \+ loaded\):\n\s*- \+\s+iifname "eth1\.30" oifname "eth1\.40" accept\n\s*\+ matches the declared ruleset/,
    );
    assert.match(
      diff.output,
      /~ br-dmz\s*: "present, ipv4 10\.30\.0\.250\/24" => "present, ipv4 none"/,
    );
  });

  it("pulumi up --refresh repairs exactly those units, and the next refresh is clean", () => {
    const r = pulumi([...UP, "--refresh"]);
    assert.equal(r.status, 0, r.output.slice(-3000));
    assert.deepEqual(
      r.steps
        .filter((s) => s.op !== "refresh")
        .map((s) => `${s.op} ${s.name}`)
        .sort(),
      ["update app1-sshd-live", "update gw1-firewall-live", "update hv1-network-live"],
    );
    assert.equal(sshdT("app1").passwordauthentication, "no");
    assert.doesNotMatch(
      onHost("gw1", "nft list chain inet homelab forward").output,
      /^\s*iifname "eth1\.30" oifname "eth1\.40" accept$/m,
    );
    assert.equal(
      onHost("hv1", "ip -4 -o addr show dev br-dmz").output.trim(),
      "",
      "no DMZ address",
    );
    assert.ok(canConnect("hv1", "10.30.0.21", 22), "proxy1 still answers");
    assert.deepEqual(previewChanges(["--refresh"]).changes, []);
  });
});

describe("lab: post-apply verification from inside the zones", function () {
  this.timeout(900_000);
  // proxy1 is a real VM: its stand-in listener is a systemd unit of the lab's guest image.
  const restartListener = () => onHost("proxy1", "systemctl start homelab-lab-standin@443");

  it("every probe passed and the results are stack outputs", () => {
    const out = pulumi(["stack", "output", "verification", "--json"]);
    assert.equal(out.status, 0, out.output);
    const results = JSON.parse(out.stdout) as Record<string, string[]>;
    assert.deepEqual(Object.keys(results).sort(), ["app1", "gw1", "hv1", "proxy1"]);
    for (const [vantage, lines] of Object.entries(results)) {
      assert.ok(lines.length > 0, vantage);
      for (const l of lines) assert.match(l, /^ok {4}/, `${vantage}: ${l}`);
    }
    assert.ok(
      results.proxy1!.includes(
        "ok    dmz → hypervisors: hv1 10.40.0.11 tcp/22 (ssh) has no flow: no answer (dropped)",
      ),
      results.proxy1!.join("\n"),
    );
    assert.ok(
      results.gw1!.includes("ok    published tcp/443 → proxy at 10.30.0.21:443 answers: accepted"),
    );
  });

  it("a published service that stopped answering fails the update, naming the host and the check", () => {
    onHost("proxy1", "systemctl stop homelab-lab-standin@443");
    // Any change to the router's ruleset re-runs the probes.
    const restore = patchLabConfig([
      { set: "homelab:flows[6]", value: { from: "mgmt", to: "internal", toService: "app" } },
    ]);
    try {
      const r = pulumi(UP);
      assert.notEqual(r.status, 0, "the update must fail");
      assert.match(
        r.output,
        /homelab: verify from gw1: published tcp\/443 → proxy at 10\.30\.0\.21:443 answers: expected answer, got refused/,
      );
      restartListener();
      const again = pulumi(UP);
      assert.equal(again.status, 0, again.output.slice(-3000));
    } finally {
      restartListener();
      restore();
    }
    assert.equal(pulumi(UP).status, 0);
  });
});

describe("lab: safe firewall apply (dead-man switch)", function () {
  this.timeout(900_000);
  const revertLog = () => onHost("gw1", "cat /var/log/homelab-deadman.log 2>/dev/null").output;

  it("a good ruleset is confirmed over a new connection and stays after the revert window", () => {
    const before = revertLog();
    const restore = patchLabConfig([
      { set: "homelab:flows[6]", value: { from: "mgmt", to: "internal", toService: "app" } },
    ]);
    try {
      const r = pulumi(UP);
      assert.equal(r.status, 0, r.output.slice(-3000));
      assert.match(
        r.output,
        /homelab: firewall on gw1 applied; it reverts in 45 s unless the deployer confirms over a new SSH connection/,
      );
      assert.ok(r.steps.some((s) => s.op === "update" && s.name === "gw1-firewall-live"));
      sh("sleep 50");
      assert.match(onHost("gw1", "nft list ruleset").output, /comment "flow 6: mgmt -> internal/);
      assert.equal(
        onHost("gw1", "ls /var/lib/homelab/pending").output.trim(),
        "",
        "nothing pending",
      );
      assert.equal(revertLog(), before, "no revert");
    } finally {
      restore();
    }
    assert.equal(pulumi(UP).status, 0);
  });

  it("a ruleset that cuts management SSH is reverted by the router itself; up fails saying so", () => {
    // A typo in the out-of-band interface: nft -c accepts it, but SSH from the deployer is dropped.
    const restore = patchLabConfig([{ set: "homelab:routers.gw1.oobInterface", value: "oob9" }]);
    try {
      const r = pulumi(UP);
      assert.notEqual(r.status, 0, "the update must fail");
      assert.match(
        r.output,
        /homelab: firewall on gw1: the change was applied, but the deployer could not open a new SSH session to root@172\.30\.0\.2:22 afterwards/,
      );
      assert.match(
        r.output,
        /gw1 restores its previous configuration by itself within 45 s of the apply \(dead-man switch/,
      );
      assert.equal(deployerCanSsh("gw1"), false, "locked out right after the apply");
      assert.ok(
        waitFor(() => deployerCanSsh("gw1"), 60),
        "reachable again after the revert",
      );
      assert.match(
        revertLog(),
        /firewall on gw1: not confirmed within 45 s over a new SSH connection; reverted/,
      );
      assert.match(onHost("gw1", "nft list ruleset").output, /iifname "oob0" tcp dport 22 accept/);
    } finally {
      restore();
    }
    const back = pulumi(UP);
    assert.equal(back.status, 0, back.output.slice(-3000));
    assert.deepEqual(previewChanges(["--refresh"]).changes, []);
  });
});

describe("lab: faults", function () {
  this.timeout(900_000);
  it("an unreachable host fails clearly while the others converge; after it returns, a re-run converges", () => {
    const restore = patchLabConfig([
      { set: "homelab:hosts.app1.ssh.sshd", value: { maxAuthTries: 5 } },
      { set: "homelab:hypervisors.hv2.ssh.sshd", value: { maxAuthTries: 5 } },
    ]);
    try {
      labctl("oob", "app1", "down");
      const r = pulumi(UP);
      assert.notEqual(r.status, 0);
      // The engine names the step that failed: the machine and the unit, then the address.
      assert.match(
        r.output,
        new RegExp(
          `command:remote:Command \\(app1-(sshd|network)-apply\\):\\s+error: [^\\n]*${oobOf("app1").replace(/\./g, "\\.")}:22: after \\d+ failed attempts`,
        ),
      );
      assert.equal(sshdT("hv2").maxauthtries, "5", "hv2 converged despite app1");
      labctl("oob", "app1", "up");
      const again = pulumi(UP);
      assert.equal(again.status, 0, again.output.slice(-3000));
      assert.equal(sshdT("app1").maxauthtries, "5");
    } finally {
      labctl("oob", "app1", "up");
      restore();
    }
    assert.equal(pulumi(UP).status, 0);
  });

  it("a wrong pinned host key is refused", () => {
    const hv2Key = labJson().hosts.find((h) => h.name === "hv2")!.sshHostKey!;
    const restore = patchLabConfig([{ set: "homelab:hosts.app1.ssh.hostKey", value: hv2Key }]);
    try {
      const r = pulumi(UP);
      assert.notEqual(r.status, 0);
      assert.match(r.output, /host key mismatch/);
      assert.ok(r.output.includes(oobOf("app1")), "the message names the host");
    } finally {
      restore();
    }
    assert.equal(pulumi(UP).status, 0);
  });
});

describe("lab: VM lifecycle does what the preview says", function () {
  this.timeout(1800_000);
  const sshBack = () => waitFor(() => onVm("proxy1", "true", 20).status === 0, 600);

  it("a memory change previews as a restart, then redefines and restarts the domain", () => {
    patchLabConfig([{ set: "homelab:hypervisors.hv1.vms.proxy1.memoryMiB", value: 640 }]);
    const p = previewChanges();
    assert.equal(p.status, 0, p.output.slice(-3000));
    assert.ok(p.changes.includes("replace proxy1-restart"), p.changes.join("\n"));
    assert.ok(p.changes.includes("replace proxy1-domain-apply"), p.changes.join("\n"));
    const r = pulumi(UP, 1500);
    assert.equal(r.status, 0, r.output.slice(-3000));
    assert.match(r.output, /homelab: restarting proxy1: its memory, vCPUs or NICs changed/);
    assert.match(onHost("hv1", "virsh dominfo proxy1").output, /Max memory:\s+655360 KiB/);
    assert.match(
      onHost("hv1", "virsh dumpxml proxy1").output,
      /<memory unit='KiB'>655360<\/memory>/,
    );
    assert.ok(sshBack(), "proxy1 answers SSH again with its pinned key after the restart");
  });

  it("removing the VM previews as deletes, then stops, undefines it and removes its disk and seed", () => {
    patchLabConfig([
      { delete: "homelab:hypervisors.hv1.vms.proxy1" },
      { delete: "homelab:services.proxy" },
      { set: "homelab:routers.gw1.portForwards", value: [] },
    ]);
    const p = previewChanges();
    assert.equal(p.status, 0, p.output.slice(-3000));
    for (const d of [
      "proxy1-removal",
      "proxy1-restart",
      "proxy1-host-key",
      "proxy1-host-key-seed",
      "proxy1-domain-apply",
    ])
      assert.ok(p.changes.includes(`delete ${d}`), `${d}: ${p.changes.join("\n")}`);
    const r = pulumi(UP, 1500);
    assert.equal(r.status, 0, r.output.slice(-3000));
    assert.match(r.output, /homelab: proxy1 removed with its disk/);
    assert.doesNotMatch(onHost("hv1", "virsh list --all --name").output, /proxy1/);
    assert.equal(onHost("hv1", "pgrep -f '[g]uest=proxy1' || echo none").output.trim(), "none");
    assert.equal(
      onHost(
        "hv1",
        "ls /var/lib/libvirt/images/ /etc/homelab/vms/ | grep proxy1 || echo none",
      ).output.trim(),
      "none",
    );
  });
});

describe("lab: secrets", function () {
  this.timeout(300_000);
  it("no private key or passphrase appears in the state export or in any captured output", () => {
    const exported = pulumi(["stack", "export", "--show-secrets=false"]);
    assert.equal(exported.status, 0, exported.output);
    assert.match(exported.output, /"ciphertext"/);
    const keyBody = deployKey
      .split("\n")
      .filter((l) => l && !l.startsWith("-----"))
      .join("");
    assert.ok(keyBody.length > 100, "the deploy key was read");
    const chunks = keyBody.match(/.{1,40}/g)!;
    const everything = transcript.join("\n");
    for (const chunk of chunks) {
      // Name the command whose output leaked and the text around it, the key itself masked.
      const where = transcript.find((t) => t.includes(chunk));
      const at = where?.indexOf(chunk) ?? 0;
      const context = where
        ?.slice(Math.max(0, at - 300), at + 60)
        .split(chunk)
        .join("<KEY>");
      assert.equal(
        where,
        undefined,
        `a piece of the deploy key leaked in: ${where?.split("\n")[0]}\n…${context}`,
      );
    }
    assert.equal(everything.includes("PRIVATE KEY-----\n"), false);
    const passphrase = sh('printf %s "$PULUMI_CONFIG_PASSPHRASE"').output;
    assert.equal(exported.output.includes(passphrase), false);
  });
});

// After every e2e file (root hook): the other files run on the lab this one converged.
after(() => {
  sshCounter.remove();
  if (process.env.HOMELAB_E2E_KEEP_LAB !== "1") sh("scripts/lab.sh down");
});
