/**
 * `npm run discover` against a throwaway sshd on 127.0.0.1 (tests/support/sshd.ts): the host key
 * learned with ssh-keyscan and pinned, a refused fingerprint that stops before any login, a key
 * the machine refuses, an address where nothing listens — each a clear message, never a trace.
 */
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { discover, parseArgs, sessionSections } from "../../../scripts/discover";
import { DiscoverError, fingerprint, parseKeyscan } from "../../../scripts/discover/connect";
import { startSshd, TestSshd } from "../../support/sshd";

describe("discover: command line and host key", () => {
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), "homelab-discover-args-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("computes the fingerprint ssh-keygen -lf prints", () => {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", `${dir}/k`]);
    const pub = execFileSync("ssh-keygen", ["-lf", `${dir}/k.pub`], { encoding: "utf8" });
    const key = execFileSync("cat", [`${dir}/k.pub`], { encoding: "utf8" });
    assert.equal(fingerprint(key), pub.split(" ")[1]);
  });

  it("reads the ed25519 key from ssh-keyscan output", () => {
    assert.equal(
      parseKeyscan("# 10.0.10.1:22 SSH-2.0-OpenSSH_9.2p1\n[10.0.10.1]:2222 ssh-ed25519 AAAAC3Nz\n"),
      "ssh-ed25519 AAAAC3Nz",
    );
    assert.equal(parseKeyscan("# 10.0.10.1:22 SSH-2.0-OpenSSH_9.2p1\n"), undefined);
  });

  it("parses the arguments and refuses bad ones naming them", () => {
    writeFileSync(`${dir}/id`, "x");
    assert.deepEqual(
      parseArgs(["deploy@10.0.10.1", "--port", "2222", "--identity", `${dir}/id`, "--name=gw1"]),
      {
        user: "deploy",
        address: "10.0.10.1",
        port: 2222,
        identity: `${dir}/id`,
        fingerprint: undefined,
        name: "gw1",
      },
    );
    const refused = (argv: string[], re: RegExp) =>
      assert.throws(
        () => parseArgs(argv, dir),
        (e: Error) => e instanceof DiscoverError && re.test(e.message),
      );
    refused([], /expected one <user@address>, got none/);
    refused(["10.0.10.1"], /expected one <user@address>, got 10\.0\.10\.1/);
    refused(
      ["root@h", "--port", "99999", "--identity", `${dir}/id`],
      /--port 99999: expected a TCP port/,
    );
    refused(
      ["root@h", "--fingerprint", "abc", "--identity", `${dir}/id`],
      /--fingerprint abc: expected a SHA256 fingerprint/,
    );
    refused(
      ["root@h", "--name", "Gw_1", "--identity", `${dir}/id`],
      /--name Gw_1: expected a lower-case DNS label/,
    );
    refused(["root@h", "--identity", `${dir}/none`], /--identity .*none: no such file/);
    refused(["root@h"], /no key in .*\/\.ssh \(id_ed25519, id_ecdsa, id_rsa\)/);
    refused(["root@h", "--force"], /unknown option --force/);
  });
});

describe("discover: against a throwaway sshd on loopback", function () {
  this.timeout(60_000);
  let sshd: TestSshd;
  const lines: string[] = [];
  before(async () => (sshd = await startSshd()));
  after(() => sshd.stop());
  beforeEach(() => lines.splice(0));
  const opts = (over: Record<string, unknown> = {}) => ({
    user: "root",
    address: "127.0.0.1",
    port: sshd.port,
    identity: `${sshd.dir}/user`,
    ...over,
  });
  const say = (l: string) => lines.push(l);

  it("pins the scanned host key, logs in with the identity and proposes the machine", async () => {
    const fp = fingerprint(sshd.hostKey);
    const before = sshd.connections();
    const text = await discover(opts({ fingerprint: fp, name: "loopback" }), say);
    assert.equal(sshd.connections() - before, 1, "one login");
    assert.deepEqual(lines.slice(0, 3), [
      `127.0.0.1:${sshd.port} presents the host key ${sshd.hostKey}`,
      `  fingerprint ${fp}`,
      "  matches --fingerprint; connecting pinned to this key.",
    ]);
    const s = parse(text) as Record<string, Record<string, { ssh: Record<string, unknown> }>>;
    const machine = s["homelab:hosts"]!.loopback!;
    assert.equal(machine.ssh.hostKey, sshd.hostKey);
    assert.equal(machine.ssh.host, "127.0.0.1");
    assert.equal(machine.ssh.port, sshd.port);
    assert.match(
      text,
      new RegExp(`hostname ${execFileSync("uname", ["-n"], { encoding: "utf8" }).trim()}\\)`),
    );
    const pub = execFileSync("ssh-keygen", ["-y", "-f", `${sshd.dir}/user`], {
      encoding: "utf8",
    }).trim();
    assert.deepEqual((s["homelab:ssh"] as unknown as { authorizedKeys: string[] }).authorizedKeys, [
      pub.split(" ").slice(0, 2).join(" "),
    ]);
    // The live sshd settings are this machine's (sshd -T of its /etc/ssh/sshd_config).
    const live = execFileSync("/usr/sbin/sshd", ["-T"], { encoding: "utf8" });
    const password = /^passwordauthentication (\S+)$/m.exec(live)?.[1];
    assert.equal(
      (machine.ssh.sshd as Record<string, unknown> | undefined)?.passwordAuthentication,
      password === "yes" ? true : undefined,
    );
  });

  it("without --fingerprint says it is not confirmed, and how to confirm it", async () => {
    const text = await discover(opts(), say);
    assert.match(
      lines[2]!,
      /NOT CONFIRMED: compare it on the machine's console with `ssh-keygen -lf \/etc\/ssh\/ssh_host_ed25519_key\.pub`/,
    );
    assert.match(text, /NOT CONFIRMED/);
  });

  it("refuses a host key whose fingerprint differs, before any login", async () => {
    const before = sshd.connections();
    const other = `SHA256:${"A".repeat(43)}`;
    await assert.rejects(
      discover(opts({ fingerprint: other }), say),
      (e: Error) =>
        e instanceof DiscoverError &&
        e.message.startsWith(
          `127.0.0.1: its host key has fingerprint ${fingerprint(sshd.hostKey)}, not the ${other} given with --fingerprint. Refusing to connect; nothing was read.`,
        ),
    );
    assert.equal(sshd.connections(), before, "no login happened");
  });

  it("names the machine and the key when the key is refused", async () => {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", `${sshd.dir}/stranger`]);
    await assert.rejects(
      discover(opts({ identity: `${sshd.dir}/stranger` }), say),
      (e: Error) =>
        e instanceof DiscoverError &&
        e.message.startsWith(
          `root@127.0.0.1:${sshd.port}: the key ${sshd.dir}/stranger was refused (`,
        ) &&
        /Authorize its public half for that user/.test(e.message),
    );
  });

  it("names the address when nothing answers there", async () => {
    const closed = sshd.port === 1 ? 2 : 1; // privileged loopback port nothing here listens on
    await assert.rejects(
      discover(opts({ port: closed }), say),
      (e: Error) =>
        e instanceof DiscoverError &&
        e.message.startsWith(`127.0.0.1:${closed}: no ed25519 host key could be read`) &&
        /Nothing was read\.$/.test(e.message),
    );
  });
});

describe("discover: the command", function () {
  this.timeout(60_000);
  it("exits non-zero with the message and no stack trace", () => {
    const r = spawnSync(
      "node",
      ["-r", "ts-node/register/transpile-only", "scripts/discover.ts", "10.0.10.1"],
      {
        encoding: "utf8",
      },
    );
    assert.equal(r.status, 2);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      /^discover: expected one <user@address>, got 10\.0\.10\.1\. usage: npm run discover -- /,
    );
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});

describe("discover: what the session returned", () => {
  const at = "deploy@10.0.20.5:22";
  const refused = (r: { code: number; stdout: string; stderr: string }, re: RegExp) =>
    assert.throws(
      () => sessionSections(r, at, "/home/me/.ssh/id_ed25519"),
      (e: Error) => e instanceof DiscoverError && re.test(e.message),
    );

  it("a user without root or passwordless sudo: names the user and what to do", () => {
    refused(
      { code: 0, stdout: "@@homelab-discover nosudo deploy\n", stderr: "" },
      /^deploy@10\.0\.20\.5:22: deploy is not root and sudo -n is refused .* log in as root, or give the user passwordless sudo \(NOPASSWD\)/,
    );
  });

  it("ssh's own failures: refused key, changed host key, unreachable", () => {
    refused(
      { code: 255, stdout: "", stderr: "deploy@10.0.20.5: Permission denied (publickey).\n" },
      /^deploy@10\.0\.20\.5:22: the key \/home\/me\/\.ssh\/id_ed25519 was refused/,
    );
    refused(
      { code: 255, stdout: "", stderr: "Host key verification failed.\n" },
      /the host key changed between the scan and the login; refusing to continue/,
    );
    refused(
      {
        code: 255,
        stdout: "",
        stderr: "ssh: connect to host 10.0.20.5 port 22: No route to host\n",
      },
      /the SSH session failed \(exit 255: ssh: connect to host 10\.0\.20\.5 port 22: No route to host\)/,
    );
  });

  it("a shell that printed no sections", () => {
    refused(
      { code: 127, stdout: "", stderr: "sh: not found\n" },
      /printed nothing it could read \(exit 127: sh: not found\)\. Discovery needs a POSIX sh/,
    );
  });
});
