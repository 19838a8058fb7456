import * as assert from "node:assert/strict";
import {
  describeDifferences,
  differences,
  LiveStateInputs,
  needsUpdate,
  parseObservation,
  sshArgs,
  stateOf,
} from "../../../providers/live-state";

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

const inputs = (over: Partial<LiveStateInputs> = {}): LiveStateInputs => ({
  connection: {
    host: "10.0.10.1",
    port: 22,
    user: "root",
    privateKey: "KEY",
    hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ",
  },
  machine: "gw1",
  unit: "firewall",
  token: "t1",
  applyId: "gw1-firewall-apply1234",
  revertAfterSeconds: 120,
  state: { "/etc/nftables.conf": "table inet homelab {}\n", "ruleset (loaded)": "matches\n" },
  observeScript: "",
  confirmScript: "",
  observeCommand: "sh -s",
  stageScript: "",
  applyCommand: "",
  ...over,
});

describe("live state: observation and diff", () => {
  it("parses the observer's key<TAB>base64 lines, empty values and metadata included", () => {
    const out = `/etc/a\t${b64("line 1\nline 2\n")}\n@confirm\t${b64("confirmed")}\n@last-revert\t\nnoise without a tab\n`;
    assert.deepEqual(parseObservation(out), {
      "/etc/a": "line 1\nline 2\n",
      "@confirm": "confirmed",
      "@last-revert": "",
    });
  });

  it("compares only declared keys, in declaration order, and marks unreported ones", () => {
    const declared = { a: "1\n", b: "2\n", c: "3\n" };
    const observed = { c: "x\n", a: "1\n", "@confirm": "none" };
    assert.deepEqual(differences(declared, observed), ["b", "c"]);
    assert.deepEqual(stateOf(declared, observed), { a: "1\n", b: "(not reported)\n", c: "x\n" });
  });

  it("describes a difference with the declared and the found text", () => {
    assert.equal(
      describeDifferences(
        { "sshd -T": "passwordauthentication no\n" },
        { "sshd -T": "passwordauthentication yes\n" },
      ),
      "  sshd -T:\n    declared: passwordauthentication no\n    found:    passwordauthentication yes",
    );
  });

  it("updates after a re-apply, a new target, or drift; not otherwise", () => {
    const old = inputs();
    assert.equal(needsUpdate(old, inputs()), false);
    assert.equal(needsUpdate(old, inputs({ applyId: "gw1-firewall-apply9999" })), true);
    assert.equal(needsUpdate(old, inputs({ token: "t2" })), true);
    assert.equal(
      needsUpdate(old, inputs({ connection: { ...old.connection, host: "10.0.10.2" } })),
      true,
    );
    assert.equal(
      needsUpdate(old, inputs({ connection: { ...old.connection, privateKey: "ROTATED" } })),
      false,
      "a rotated deploy key alone does not re-observe",
    );
    const drifted = inputs({ state: { ...old.state, "ruleset (loaded)": "differs\n" } });
    assert.equal(needsUpdate(drifted, inputs()), true, "refresh found drift");
  });

  it("runs ssh key-only with the pinned host key and nothing from the user's config", () => {
    const args = sshArgs(inputs().connection, "/tmp/d", "sh -s");
    const opts = new Map<string, string>();
    for (let i = 0; i < args.length; i++) {
      if (args[i] === "-o") {
        const [k, v] = args[i + 1]!.split("=");
        opts.set(k!, v!);
      }
    }
    assert.deepEqual(args.slice(0, 4), ["-F", "/dev/null", "-i", "/tmp/d/key"]);
    assert.deepEqual(Object.fromEntries(opts), {
      UserKnownHostsFile: "/tmp/d/known_hosts",
      GlobalKnownHostsFile: "/dev/null",
      StrictHostKeyChecking: "yes",
      HostKeyAlias: "homelab-target",
      HostKeyAlgorithms: "ssh-ed25519",
      IdentitiesOnly: "yes",
      IdentityAgent: "none",
      PasswordAuthentication: "no",
      KbdInteractiveAuthentication: "no",
      PubkeyAuthentication: "yes",
      BatchMode: "yes",
      ConnectTimeout: "8",
      ServerAliveInterval: "5",
      ServerAliveCountMax: "3",
      LogLevel: "ERROR",
    });
    assert.deepEqual(args.slice(-6), ["-p", "22", "-l", "root", "10.0.10.1", "sh -s"]);
    const rsa = sshArgs({ ...inputs().connection, hostKey: "ssh-rsa AAAAB3" }, "/tmp/d", "true");
    assert.ok(rsa.includes("HostKeyAlgorithms=rsa-sha2-512,rsa-sha2-256"));
  });
});
