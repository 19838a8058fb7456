import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { deployKeyIssue, deployPublicKey, fingerprint } from "../../../model/deploy-key";
import { TEST_DEPLOY_KEY } from "../../support/program";
import { readStackConfig } from "../../support/stack";

/** A fresh key pair from the real ssh-keygen: [private key text, public key line]. */
function keygen(args: string[]): [string, string] {
  const dir = mkdtempSync(path.join(tmpdir(), "homelab-key-"));
  try {
    const file = path.join(dir, "k");
    execFileSync("ssh-keygen", ["-q", "-C", "test", "-f", file, ...args]);
    return [readFileSync(file, "utf8"), readFileSync(`${file}.pub`, "utf8").trim()];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("model: the deploy key's public half (derived from the secret, checked before anything runs)", function () {
  this.timeout(60000);
  const cases: [string, string[]][] = [
    ["Ed25519 (OpenSSH format)", ["-t", "ed25519", "-N", ""]],
    ["ECDSA P-256 (OpenSSH format)", ["-t", "ecdsa", "-b", "256", "-N", ""]],
    ["RSA 2048 (OpenSSH format)", ["-t", "rsa", "-b", "2048", "-N", ""]],
    ["ECDSA P-384 (PEM, SEC1)", ["-t", "ecdsa", "-b", "384", "-m", "PEM", "-N", ""]],
    ["RSA 2048 (PEM, PKCS#1)", ["-t", "rsa", "-b", "2048", "-m", "PEM", "-N", ""]],
    ["ECDSA P-521 (PKCS#8)", ["-t", "ecdsa", "-b", "521", "-m", "PKCS8", "-N", ""]],
  ];
  for (const [title, args] of cases) {
    it(`${title}: the same public key as ssh-keygen writes`, () => {
      const [priv, pubLine] = keygen(args);
      const pub = deployPublicKey(priv);
      assert.ok(typeof pub !== "string", typeof pub === "string" ? pub : "");
      assert.equal(`${pub.type} ${pub.blob.toString("base64")} test`, pubLine);
      assert.equal(deployKeyIssue(priv, [pubLine]), undefined);
    });
  }

  it("the fingerprint is the one ssh-keygen -l prints", () => {
    const [, pubLine] = keygen(["-t", "ed25519", "-N", ""]);
    const printed = execFileSync("ssh-keygen", ["-l", "-f", "-"], { input: pubLine })
      .toString()
      .split(" ")[1];
    assert.equal(fingerprint(Buffer.from(pubLine.split(" ")[1]!, "base64")), printed);
  });

  it("the example stacks' authorizedKeys hold the test deploy key", () => {
    const keys = (
      readStackConfig("Pulumi.home.yaml")["homelab:ssh"] as { authorizedKeys: string[] }
    ).authorizedKeys;
    assert.equal(deployKeyIssue(TEST_DEPLOY_KEY, keys), undefined);
  });

  it("a deploy key missing from authorizedKeys: the fix, its fingerprint, never key material", () => {
    const [priv, pubLine] = keygen(["-t", "ed25519", "-N", ""]);
    const [, other] = keygen(["-t", "ed25519", "-N", ""]);
    const fp = fingerprint(Buffer.from(pubLine.split(" ")[1]!, "base64"));
    const issue = deployKeyIssue(priv, [other]);
    assert.deepEqual(issue, {
      path: "homelab:ssh.authorizedKeys",
      message: `does not hold the deploy key's public half (ssh-ed25519 ${fp}, the key in homelab:deployPrivateKey); expected it among these keys, since authorized_keys on every host is written from this list and the deployer would lock itself out. Add the line \`ssh-keygen -y -f <deploy key file>\` prints to homelab:ssh.authorizedKeys.`,
    });
    for (const chunk of priv.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----"))) {
      assert.ok(!issue.message.includes(chunk), "no private key material");
    }
    assert.ok(!issue.message.includes(pubLine.split(" ")[1]!), "not even the public key itself");
  });

  it("a passphrase-protected key is refused (the deployer passes no passphrase)", () => {
    const [priv, pubLine] = keygen(["-t", "ed25519", "-N", "correct horse"]);
    const fp = fingerprint(Buffer.from(pubLine.split(" ")[1]!, "base64"));
    assert.deepEqual(deployKeyIssue(priv, [pubLine]), {
      path: "homelab:deployPrivateKey",
      message: `(secret, not shown) (ssh-ed25519 ${fp}) is encrypted with a passphrase; expected an unencrypted key (the deployer runs unattended and passes no passphrase). Set the deployer's unencrypted private key with \`pulumi config set --secret homelab:deployPrivateKey < ~/.ssh/homelab_ed25519\`.`,
    });
  });

  it("text that is not a private key, and a truncated key, say so without echoing it", () => {
    const fix =
      "Set the deployer's unencrypted private key with `pulumi config set --secret homelab:deployPrivateKey < ~/.ssh/homelab_ed25519`.";
    assert.deepEqual(deployKeyIssue("ssh-ed25519 AAAA me@laptop", undefined), {
      path: "homelab:deployPrivateKey",
      message: `(secret, not shown) is not a PEM-armoured private key (-----BEGIN OPENSSH PRIVATE KEY----- ...). ${fix}`,
    });
    const lines = TEST_DEPLOY_KEY.trim().split("\n");
    const truncated = [lines[0], lines[1], lines[2], lines.at(-1)].join("\n");
    assert.deepEqual(deployKeyIssue(truncated, undefined), {
      path: "homelab:deployPrivateKey",
      message: `(secret, not shown) is truncated or corrupt. ${fix}`,
    });
    assert.deepEqual(
      deployKeyIssue("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", undefined),
      {
        path: "homelab:deployPrivateKey",
        message: `(secret, not shown) is a CERTIFICATE; expected an OpenSSH or PEM private key. ${fix}`,
      },
    );
  });

  it("a key whose private half does not belong to its public half is refused", () => {
    const [a] = keygen(["-t", "ed25519", "-N", ""]);
    const [b] = keygen(["-t", "ed25519", "-N", ""]);
    // Splice b's public key into a's container: the private part no longer matches it.
    const body = (k: string) => Buffer.from(k.split("\n").slice(1, -2).join(""), "base64");
    const ba = body(a);
    const bb = body(b);
    const pubAt = ba.indexOf(Buffer.from("ssh-ed25519")) + 11 + 4;
    bb.subarray(pubAt, pubAt + 32).copy(ba, pubAt);
    const spliced = `-----BEGIN OPENSSH PRIVATE KEY-----\n${ba.toString("base64")}\n-----END OPENSSH PRIVATE KEY-----\n`;
    const r = deployPublicKey(spliced);
    assert.equal(r, "is corrupt (its private key does not match its public key)");
  });
});
