/**
 * `npm run discover -- <user@address> [--port N] [--identity <key file>] [--fingerprint SHA256:…]
 * [--name <machine>]`: reads a running machine over SSH, writes nothing on it, and prints a
 * proposed inventory snippet for it (stdout); the host key and what to confirm go to stderr.
 * Modules: discover/connect.ts (host key, the pinned session), discover/probe.ts (the read-only
 * script), discover/facts.ts + layout.ts + sshd.ts (parsing), discover/snippet.ts (the YAML).
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { NAME_RE } from "../model/schema";
import {
  checkFingerprint,
  DiscoverError,
  fingerprint,
  run,
  type Run,
  runPinned,
  scanHostKey,
  sshFailure,
  where,
} from "./discover/connect";
import { factsFrom } from "./discover/facts";
import { discoveryScript, MANAGED_UNITS, parseSections, type Sections } from "./discover/probe";
import { renderSnippet } from "./discover/snippet";

export const USAGE =
  "usage: npm run discover -- <user@address> [--port N] [--identity <private key file>] [--fingerprint SHA256:...] [--name <machine name>]";

export interface Options {
  readonly user: string;
  readonly address: string;
  readonly port: number;
  readonly identity: string;
  readonly fingerprint?: string;
  readonly name?: string;
}

/** The command line, or a DiscoverError naming the argument that is wrong. */
export function parseArgs(argv: readonly string[], home = homedir()): Options {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--(port|identity|fingerprint|name)(?:=(.*))?$/.exec(a);
    if (m) {
      const v = m[2] ?? argv[++i];
      if (v === undefined) throw new DiscoverError(`${a} needs a value. ${USAGE}`);
      flags[m[1]!] = v;
    } else if (a.startsWith("-")) throw new DiscoverError(`unknown option ${a}. ${USAGE}`);
    else positional.push(a);
  }
  const target = /^([a-z_][a-z0-9_-]{0,31})@(\S+)$/.exec(positional[0] ?? "");
  if (positional.length !== 1 || !target) {
    throw new DiscoverError(
      `expected one <user@address>, got ${positional.length === 0 ? "none" : positional.join(" ")}. ${USAGE}`,
    );
  }
  const port = Number(flags.port ?? "22");
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new DiscoverError(`--port ${flags.port}: expected a TCP port 1-65535.`);
  }
  if (flags.name !== undefined && !NAME_RE.test(flags.name)) {
    throw new DiscoverError(
      `--name ${flags.name}: expected a lower-case DNS label (a-z, 0-9, '-'), the machine's name in the inventory.`,
    );
  }
  if (flags.fingerprint !== undefined && !/^(SHA256:)?[A-Za-z0-9+/]{43}$/.test(flags.fingerprint)) {
    throw new DiscoverError(
      `--fingerprint ${flags.fingerprint}: expected a SHA256 fingerprint as ssh-keygen -lf prints it (SHA256: and 43 base64 characters).`,
    );
  }
  const defaults = ["id_ed25519", "id_ecdsa", "id_rsa"].map((k) => `${home}/.ssh/${k}`);
  const identity = flags.identity ?? defaults.find((f) => existsSync(f));
  if (!identity || !existsSync(identity)) {
    throw new DiscoverError(
      `${identity ? `--identity ${identity}: no such file` : `no key in ${home}/.ssh (id_ed25519, id_ecdsa, id_rsa)`}; pass the private key that logs in to the machine with --identity.`,
    );
  }
  return {
    user: target[1]!,
    address: target[2]!,
    port,
    identity,
    fingerprint: flags.fingerprint,
    name: flags.name,
  };
}

/** The probe script's sections from the session, or a DiscoverError saying what went wrong. */
export function sessionSections(r: Run, at: string, identity: string): Sections {
  if (r.code === 255) throw new DiscoverError(sshFailure(r, at, identity));
  const { sections, nosudo } = parseSections(r.stdout);
  if (nosudo !== undefined) {
    throw new DiscoverError(
      `${at}: ${nosudo} is not root and sudo -n is refused (a password is required, or no sudo). Discovery reads sshd -T, nftables, libvirt and socket owners, which need root: log in as root, or give the user passwordless sudo (NOPASSWD), which the product needs too.`,
    );
  }
  if (sections.size === 0) {
    throw new DiscoverError(
      `${at}: the probe script printed nothing it could read (exit ${r.code}: ${r.stderr.trim().split("\n")[0] || "no message"}). Discovery needs a POSIX sh on the machine.`,
    );
  }
  return sections;
}

/** Discovers one machine: the snippet, or a DiscoverError. `say` gets the messages for stderr. */
export async function discover(o: Options, say: (line: string) => void): Promise<string> {
  const at = where(o.user, o.address, o.port);
  const hostKey = await scanHostKey(o.address, o.port);
  const fp = fingerprint(hostKey);
  say(`${o.address}:${o.port} presents the host key ${hostKey}`);
  say(`  fingerprint ${fp}`);
  if (o.fingerprint) {
    checkFingerprint(fp, o.fingerprint, o.address);
    say("  matches --fingerprint; connecting pinned to this key.");
  } else {
    say(
      "  NOT CONFIRMED: compare it on the machine's console with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`,",
    );
    say(`  and run again with --fingerprint ${fp} before you use the snippet.`);
  }
  const pub = await run("ssh-keygen", ["-y", "-P", "", "-f", o.identity]);
  const r = await runPinned({ ...o, hostKey }, discoveryScript());
  const sections = sessionSections(r, at, o.identity);
  const facts = factsFrom(sections, MANAGED_UNITS);
  const authorizedKey =
    pub.code === 0 ? pub.stdout.trim().split(/\s+/).slice(0, 2).join(" ") : undefined;
  return renderSnippet(facts, {
    name: o.name,
    user: o.user,
    address: o.address,
    port: o.port,
    hostKey,
    fingerprint: fp,
    confirmed: o.fingerprint !== undefined,
    authorizedKey,
  });
}

async function main(): Promise<number> {
  try {
    const o = parseArgs(process.argv.slice(2));
    process.stdout.write(await discover(o, (l) => process.stderr.write(`${l}\n`)));
    return 0;
  } catch (e) {
    const msg =
      e instanceof DiscoverError ? e.message : `unexpected failure: ${(e as Error).message}`;
    process.stderr.write(`discover: ${msg}\n`);
    return e instanceof DiscoverError && /^(expected one|unknown option|--)/.test(msg) ? 2 : 1;
  }
}

if (require.main === module) {
  void main().then((code) => process.exit(code));
}
