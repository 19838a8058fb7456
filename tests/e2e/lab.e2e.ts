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
  labctl,
  labJson,
  onHost,
  oobOf,
  patchLabConfig,
  pulumi,
  sh,
  sshCounter,
  sshdT,
  transcript,
} from "./support";

const UP = ["up", "--yes", "--policy-pack", "policies"];
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
    assert.match(up.output, /\+ 108 created/);
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
    assert.match(ports, /vn-proxy1-0@\S+: .* master br-dmz state forwarding/);
    assert.equal(onHost("hv1", "virsh domstate proxy1").output.trim(), "running");
  });

  it("the NixOS-role host got the rendered configuration.nix and nixos-rebuild switch (lab shim)", () => {
    const log = onHost("nix1", "cat /var/log/homelab-shims.log").output;
    assert.match(log, /"shim":"nixos-rebuild","argv":\["switch"\],"rc":0/);
    assert.match(
      onHost("nix1", "cat /etc/nixos/configuration.nix").output,
      /\/srv\/share 10\.20\.0\.32\(rw,sync,no_subtree_check\)/,
    );
  });
});

describe("lab: isolation with real packets", function () {
  this.timeout(300_000);
  before(() => {
    // Listeners for the declared services (the lab hosts run nothing but sshd).
    for (const [host, port] of [
      ["app1", 8080],
      ["proxy1", 443],
      ["proxy1", 80],
    ] as const) {
      onHost(
        host,
        `nohup socat TCP-LISTEN:${port},fork,reuseaddr SYSTEM:"echo ${host}-${port}" >/dev/null 2>&1 </dev/null &`,
      );
    }
    sh("sleep 1");
  });
  after(() => {
    onHost("app1", "pkill socat || true");
    onHost("proxy1", "pkill socat || true");
  });

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
    assert.match(r.output, /108 unchanged/);
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
          "create-replacement app1-sshd-apply",
          "delete-replaced app1-sshd-apply",
          "replace app1-sshd-apply",
          "update app1-sshd-apply.sh",
          "update app1-sshd-sshd.conf",
        ].sort(),
      );
      const connections = sshCounter.read();
      assert.deepEqual(Object.keys(connections), ["app1"]);
      assert.equal(sshdT("app1").maxauthtries, "4");
      assert.equal(sshdT("proxy1").maxauthtries, "3");
    } finally {
      restore();
    }
    const back = pulumi(UP);
    assert.equal(back.status, 0, back.output.slice(-3000));
    assert.equal(sshdT("app1").maxauthtries, "3");
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
      assert.match(
        r.output,
        new RegExp(`${oobOf("app1").replace(/\./g, "\\.")}:22: after \\d+ failed attempts`),
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
    for (const chunk of chunks)
      assert.equal(everything.includes(chunk), false, "a piece of the deploy key leaked");
    assert.equal(everything.includes("PRIVATE KEY-----\n"), false);
    const passphrase = sh('printf %s "$PULUMI_CONFIG_PASSPHRASE"').output;
    assert.equal(exported.output.includes(passphrase), false);
  });

  after(() => {
    sshCounter.remove();
    if (process.env.HOMELAB_E2E_KEEP_LAB !== "1") sh("scripts/lab.sh down");
  });
});
