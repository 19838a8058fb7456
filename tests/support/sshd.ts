/**
 * A throwaway sshd on 127.0.0.1 for the provider tests (root, openssh-server): its own host key,
 * one authorized key, and sessions whose HOME and unit state live in a temp dir (sshd_config
 * SetEnv), so nothing outside that dir is touched. `connections()` counts the connections it
 * accepted (one "Accepted publickey" log line per connection; multiplexed sessions add none).
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";

export interface TestSshd {
  readonly dir: string;
  readonly port: number;
  /** `type base64` of its host key. */
  readonly hostKey: string;
  readonly privateKey: string;
  /** The sessions' HOME, HOMELAB_STATE_DIR and HOMELAB_DEADMAN_LOG. */
  readonly home: string;
  readonly state: string;
  readonly log: string;
  connections(): number;
  stop(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

async function waitListening(port: number, child: ChildProcess, logFile: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    const r = spawnSync("bash", ["-c", `exec 3<>/dev/tcp/127.0.0.1/${port}`]);
    if (r.status === 0) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`the test sshd did not start:\n${readFileSync(logFile, "utf8")}`);
}

export async function startSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(path.join(tmpdir(), "homelab-sshd-"));
  const home = `${dir}/home`;
  const state = `${dir}/state`;
  const log = `${dir}/deadman.log`;
  mkdirSync(home, { mode: 0o700 });
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const keygen = (f: string) =>
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", f]);
  keygen(`${dir}/host`);
  keygen(`${dir}/user`);
  const port = await freePort();
  writeFileSync(
    `${dir}/sshd_config`,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${dir}/host`,
      `AuthorizedKeysFile ${dir}/user.pub`,
      `PidFile ${dir}/sshd.pid`,
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "StrictModes no",
      "UsePAM no",
      "LogLevel INFO",
      `SetEnv HOME=${home} HOMELAB_STATE_DIR=${state} HOMELAB_DEADMAN_LOG=${log}`,
      "",
    ].join("\n"),
  );
  const sshdLog = `${dir}/sshd.log`;
  const child = spawn("/usr/sbin/sshd", ["-D", "-f", `${dir}/sshd_config`, "-E", sshdLog], {
    stdio: "ignore",
  });
  await waitListening(port, child, sshdLog);
  const accepted = () =>
    (readFileSync(sshdLog, "utf8").match(/Accepted publickey for root from 127\.0\.0\.1/g) ?? [])
      .length;
  return {
    dir,
    port,
    home,
    state,
    log,
    hostKey: readFileSync(`${dir}/host.pub`, "utf8").trim().split(/\s+/).slice(0, 2).join(" "),
    privateKey: readFileSync(`${dir}/user`, "utf8"),
    connections: accepted,
    stop() {
      child.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What an upstream remote.Command does: one new connection, `command` with `input` on stdin. */
export function sshCommand(
  s: TestSshd,
  command: string,
  input: string,
): { status: number; stdout: string; stderr: string } {
  writeFileSync(`${s.dir}/known_hosts`, `[127.0.0.1]:${s.port} ${s.hostKey}\n`);
  const r = spawnSync(
    "ssh",
    [
      "-F",
      "/dev/null",
      "-i",
      `${s.dir}/user`,
      "-o",
      `UserKnownHostsFile=${s.dir}/known_hosts`,
      "-o",
      "StrictHostKeyChecking=yes",
      "-o",
      "BatchMode=yes",
      "-p",
      String(s.port),
      "root@127.0.0.1",
      command,
    ],
    { input, encoding: "utf8" },
  );
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Ends the dead-man timers that applies under `dir` left running (by their process ids). */
export function killTimers(dir: string): void {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      continue;
    }
    if (cmdline.includes("--revert-after") && cmdline.includes(dir)) {
      try {
        process.kill(Number(pid), "SIGTERM");
      } catch {
        // already gone
      }
    }
  }
}
