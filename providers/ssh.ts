/**
 * The SSH client of the LiveState provider: the system's OpenSSH, run with nothing from the user's
 * or the system's configuration — key-only (the deploy key, written to a private file only while a
 * connection is being established), the host key pinned (a one-line known_hosts,
 * StrictHostKeyChecking=yes), no agent, no password or keyboard-interactive authentication.
 *
 * Within one run (one provider process) the sessions to a machine share one OpenSSH master
 * connection (ControlMaster/ControlPath in a private directory, ssh_config(5)); it closes itself
 * after MASTER_IDLE_SECONDS without sessions. A `fresh` session instead establishes a NEW
 * connection (the dead-man confirmation must come through the settings just applied), which then
 * becomes the machine's master for the sessions after it.
 *
 * Runs inside the dynamic-provider process (serialized with the resource): Node built-ins only.
 */

export interface SshConn {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly privateKey: string;
  /** Pinned host public key, `type base64`. */
  readonly hostKey: string;
}

export interface SshResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** How long an unused master connection stays open. */
export const MASTER_IDLE_SECONDS = 10;

/** ssh(1) options: key-only, pinned host key, nothing from the user's or system's config. */
export function sshArgs(c: SshConn, dir: string, remoteCommand: string): string[] {
  const type = c.hostKey.trim().split(/\s+/)[0] ?? "";
  const algorithms = type === "ssh-rsa" ? "rsa-sha2-512,rsa-sha2-256" : type;
  return [
    "-F",
    "/dev/null",
    "-i",
    `${dir}/key`,
    "-o",
    `UserKnownHostsFile=${dir}/known_hosts`,
    "-o",
    "GlobalKnownHostsFile=/dev/null",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    "HostKeyAlias=homelab-target",
    "-o",
    `HostKeyAlgorithms=${algorithms}`,
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "IdentityAgent=none",
    "-o",
    "PasswordAuthentication=no",
    "-o",
    "KbdInteractiveAuthentication=no",
    "-o",
    "PubkeyAuthentication=yes",
    "-o",
    "BatchMode=yes",
    "-o",
    "ConnectTimeout=8",
    "-o",
    "ServerAliveInterval=5",
    "-o",
    "ServerAliveCountMax=3",
    "-o",
    "LogLevel=ERROR",
    "-p",
    String(c.port),
    "-l",
    c.user,
    c.host,
    remoteCommand,
  ];
}

/** The options that make a session the master of a new connection, or a client of one. */
export function controlArgs(socket: string, master: boolean): string[] {
  return master
    ? [
        "-o",
        "ControlMaster=yes",
        "-o",
        `ControlPath=${socket}`,
        "-o",
        `ControlPersist=${MASTER_IDLE_SECONDS}`,
      ]
    : ["-o", "ControlMaster=no", "-o", `ControlPath=${socket}`];
}

interface Master {
  readonly socket: string;
}

interface Registry {
  /** This process's private directory (0700) holding every connection's files. */
  root?: string;
  /** Per machine (user@host:port + host key): its current master, or the session establishing it. */
  readonly masters: Map<string, Promise<Master | undefined>>;
  /** Every master socket this process made (also those a fresh connection replaced). */
  readonly sockets: string[];
  counter: number;
}

/* eslint-disable @typescript-eslint/no-require-imports -- runs inside the serialized provider */
function node() {
  return {
    fs: require("node:fs") as typeof import("node:fs"),
    os: require("node:os") as typeof import("node:os"),
    cp: require("node:child_process") as typeof import("node:child_process"),
  };
}
/* eslint-enable @typescript-eslint/no-require-imports */

/** The process-wide registry (the provider is deserialized per resource; state lives in globalThis). */
function registry(): Registry {
  const g = globalThis as { __homelabSsh?: Registry };
  if (!g.__homelabSsh) g.__homelabSsh = { masters: new Map(), sockets: [], counter: 0 };
  const r = g.__homelabSsh;
  if (!r.root) {
    const { fs, os } = node();
    // Directories of earlier provider processes that were killed (the engine stops plugins with
    // SIGKILL): their masters have closed by now; remove what they left.
    for (const name of fs.readdirSync(os.tmpdir())) {
      const m = /^homelab-ssh-(\d+)-/.exec(name);
      if (m && !fs.existsSync(`/proc/${m[1]}`)) {
        fs.rmSync(`${os.tmpdir()}/${name}`, { recursive: true, force: true });
      }
    }
    r.root = fs.mkdtempSync(`${os.tmpdir()}/homelab-ssh-${process.pid}-`);
  }
  return r;
}

const machineKey = (c: SshConn) => `${c.user}@${c.host}:${c.port} ${c.hostKey.trim()}`;

/** One ssh process: runs `remoteCommand` with `input` on stdin. Exit 255 is ssh's own failure. */
function spawnSsh(
  c: SshConn,
  dir: string,
  extra: string[],
  remoteCommand: string,
  input: string,
  timeoutMs: number,
): Promise<SshResult> {
  const { cp } = node();
  return new Promise<SshResult>((resolve, reject) => {
    const args = sshArgs(c, dir, remoteCommand);
    const child = cp.spawn("ssh", [...extra, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir },
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ssh (the OpenSSH client must be installed): ${e.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 255, stdout, stderr });
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(input);
  });
}

/**
 * A session that establishes a new connection and leaves it behind as the machine's master. The
 * deploy key exists on disk only until the session ends (the master is authenticated by then).
 */
async function newMaster(
  c: SshConn,
  remoteCommand: string,
  input: string,
  timeoutMs: number,
): Promise<{ result: SshResult; master?: Master }> {
  const { fs } = node();
  const r = registry();
  const dir = `${r.root}/c${++r.counter}`;
  fs.mkdirSync(dir, { mode: 0o700 });
  const key = c.privateKey.endsWith("\n") ? c.privateKey : `${c.privateKey}\n`;
  fs.writeFileSync(`${dir}/key`, key, { mode: 0o600 });
  fs.writeFileSync(`${dir}/known_hosts`, `homelab-target ${c.hostKey.trim()}\n`, { mode: 0o600 });
  const socket = `${dir}/m`;
  r.sockets.push(socket);
  try {
    const result = await spawnSsh(
      c,
      dir,
      controlArgs(socket, true),
      remoteCommand,
      input,
      timeoutMs,
    );
    return {
      result,
      master: result.code !== 255 && fs.existsSync(socket) ? { socket } : undefined,
    };
  } finally {
    fs.rmSync(`${dir}/key`, { force: true });
  }
}

/**
 * Runs one session on the machine: over its master connection (established by this session when
 * there is none), or with `fresh` over a new connection that becomes the master.
 */
export async function sshRun(
  c: SshConn,
  remoteCommand: string,
  input: string,
  opts: { fresh?: boolean; timeoutMs?: number } = {},
): Promise<SshResult> {
  const { fs } = node();
  const timeoutMs = opts.timeoutMs ?? 600_000;
  const masters = registry().masters;
  const key = machineKey(c);
  for (;;) {
    const entry = opts.fresh ? undefined : masters.get(key);
    if (!entry) break;
    const current = await entry.catch(() => undefined);
    if (current && fs.existsSync(current.socket)) {
      const dir = current.socket.replace(/\/m$/, "");
      const r = await spawnSsh(
        c,
        dir,
        controlArgs(current.socket, false),
        remoteCommand,
        input,
        timeoutMs,
      );
      // 255: ssh itself failed — e.g. the master closed in between (idle) and the direct
      // connection had no key. Establish a new master and run the session there.
      if (r.code !== 255) return r;
    }
    if (masters.get(key) === entry) {
      masters.delete(key);
      break;
    }
  }
  // Sessions after this one wait for it and then use its connection.
  let done: (m: Master | undefined) => void = () => undefined;
  const pending = new Promise<Master | undefined>((res) => (done = res));
  masters.set(key, pending);
  try {
    const { result, master } = await newMaster(c, remoteCommand, input, timeoutMs);
    done(master);
    if (!master) masters.delete(key);
    return result;
  } catch (e) {
    done(undefined);
    masters.delete(key);
    throw e;
  }
}

/** Closes this process's master connections now (instead of after their idle time). */
export function closeMasters(): void {
  const { cp, fs } = node();
  const r = registry();
  r.masters.clear();
  for (const socket of r.sockets.splice(0)) {
    if (!fs.existsSync(socket)) continue;
    cp.spawnSync("ssh", ["-F", "/dev/null", "-o", `ControlPath=${socket}`, "-O", "exit", "x"], {
      stdio: "ignore",
    });
  }
  if (r.root) fs.rmSync(r.root, { recursive: true, force: true });
  r.root = undefined;
}
