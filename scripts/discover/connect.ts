/**
 * The only two network contacts of `npm run discover`: ssh-keyscan for the host's ed25519 key (the
 * one moment a host key can be learned; the user confirms its fingerprint out of band), then one
 * SSH session pinned to exactly that key with the options the product's own SSH client uses
 * (providers/ssh.ts sshArgs: key-only, StrictHostKeyChecking=yes, a private known_hosts, BatchMode,
 * nothing from ~/.ssh/config), running the read-only probe script on stdin.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { sshArgs } from "../../providers/ssh";

/** A failure the CLI prints as it is (no stack trace) and exits non-zero with. */
export class DiscoverError extends Error {
  override name = "DiscoverError";
}

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(
  cmd: string,
  args: readonly string[],
  input = "",
  timeoutMs = 60_000,
  home?: string,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ["pipe", "pipe", "pipe"],
      // Nothing of the user's environment (agent, config); ssh's HOME is the private temp dir.
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        LC_ALL: "C",
        ...(home ? { HOME: home } : {}),
      },
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new DiscoverError(`cannot run ${cmd} (install the OpenSSH client): ${e.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 255, stdout, stderr });
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(input);
  });
}

/** OpenSSH's SHA256 fingerprint of a `type base64` key: unpadded base64 of the blob's SHA-256. */
export function fingerprint(publicKey: string): string {
  const blob = Buffer.from(publicKey.trim().split(/\s+/)[1] ?? "", "base64");
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** The ed25519 key in ssh-keyscan's output (`host ssh-ed25519 AAAA...`), as `type base64`. */
export function parseKeyscan(out: string): string | undefined {
  for (const line of out.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (!line.startsWith("#") && f[1] === "ssh-ed25519" && f[2]) return `${f[1]} ${f[2]}`;
  }
  return undefined;
}

/** `user@address:port`, for messages. */
export const where = (user: string, address: string, port: number) => `${user}@${address}:${port}`;

export async function scanHostKey(address: string, port: number): Promise<string> {
  const r = await run("ssh-keyscan", ["-t", "ed25519", "-T", "8", "-p", String(port), address]);
  const key = parseKeyscan(r.stdout);
  if (key) return key;
  const said = r.stderr
    .split("\n")
    .filter((l) => l.trim() && !l.startsWith("#"))
    .join("; ");
  throw new DiscoverError(
    `${address}:${port}: no ed25519 host key could be read (ssh-keyscan: ${said || "no answer"}). ` +
      "Check that the address and --port are right, that sshd runs there and that this machine can reach it; " +
      "a host without an ed25519 host key needs one (ssh-keygen -A on it). Nothing was read.",
  );
}

/** Compares with the fingerprint the user confirmed out of band; SHA256: prefix optional. */
export function checkFingerprint(actual: string, given: string, address: string): void {
  const norm = (s: string) => s.trim().replace(/^SHA256:/i, "");
  if (norm(actual) !== norm(given)) {
    throw new DiscoverError(
      `${address}: its host key has fingerprint ${actual}, not the ${given.trim()} given with --fingerprint. ` +
        "Refusing to connect; nothing was read. Compare again on the machine's console " +
        "(ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub): if it shows the new fingerprint the machine " +
        "was re-keyed, otherwise something between you and it answers in its place.",
    );
  }
}

/** Runs `script` in one session pinned to `hostKey`, logged in with the key file `identity`. */
export async function runPinned(
  t: { user: string; address: string; port: number; hostKey: string; identity: string },
  script: string,
): Promise<Run> {
  const dir = mkdtempSync(path.join(tmpdir(), "homelab-discover-"));
  try {
    // sshArgs reads the key as <dir>/key: a link to the user's file (never a copy of it).
    symlinkSync(path.resolve(t.identity), `${dir}/key`);
    writeFileSync(`${dir}/known_hosts`, `homelab-target ${t.hostKey}\n`, { mode: 0o600 });
    const conn = {
      host: t.address,
      port: t.port,
      user: t.user,
      privateKey: "",
      hostKey: t.hostKey,
    };
    const args = sshArgs(conn, dir, "sh -s");
    return await run(
      "ssh",
      ["-o", "PreferredAuthentications=publickey", ...args],
      script,
      120_000,
      dir,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The message for an ssh failure (exit 255 is ssh's own), naming the machine and what to do. */
export function sshFailure(r: Run, at: string, identity: string): string {
  const e = r.stderr.trim();
  if (/Permission denied/i.test(e)) {
    return `${at}: the key ${identity} was refused (${e.split("\n")[0]}). Authorize its public half for that user (~/.ssh/authorized_keys on the machine), or pass the right key with --identity.`;
  }
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(e)) {
    return `${at}: the host key changed between the scan and the login; refusing to continue. Run discovery again and confirm the fingerprint on the console.`;
  }
  if (/Load key|bad permissions|invalid format|No such file/i.test(e)) {
    return `${at}: the identity ${identity} cannot be used (${e.split("\n")[0]}). Pass an unencrypted private key file readable only by you with --identity.`;
  }
  return `${at}: the SSH session failed (exit ${r.code}: ${e.split("\n")[0] || "no message"}). Check that the machine is reachable and sshd accepts key logins.`;
}
