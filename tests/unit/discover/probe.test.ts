/**
 * The discovery script writes nothing: it is run for real by sh with a PATH holding only recording
 * stand-ins for the tools (no real tool can be reached), in an empty working directory and HOME.
 * Every command it runs is recorded and must be one of the read-only probes; afterwards the
 * directories hold nothing but the record. A static check keeps redirections to fd duplications
 * and /dev/null.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { discoveryScript, PROBES, parseSections } from "../../../scripts/discover/probe";

const TOOLS = ["uname", "cat", "ip", "sshd", "ss", "nft", "systemctl", "id", "sudo"];

interface Sandbox {
  readonly dir: string;
  readonly bin: string;
  readonly work: string;
  calls(): string[];
  files(): string[];
}

/** Stand-ins (not the real tools) that record their argv to a log outside the work dir. */
function sandbox(opts: { uid: number; sudo: "allow" | "deny"; without?: string[] }): Sandbox {
  const dir = mkdtempSync(path.join(tmpdir(), "homelab-discover-probe-"));
  const bin = `${dir}/bin`;
  const work = `${dir}/work`;
  mkdirSync(bin);
  mkdirSync(work);
  const log = `${dir}/calls.log`;
  for (const tool of TOOLS.filter((t) => !(opts.without ?? []).includes(t))) {
    const body: Record<string, string> = {
      id: `if [ "\${1:-}" = -un ]; then echo deploy; else echo ${opts.uid}; fi`,
      sudo:
        opts.sudo === "allow"
          ? 'shift; if [ "$1" = true ]; then exit 0; fi; exec "$@"'
          : 'echo "sudo: a password is required" >&2; exit 1',
      cat: 'echo "contents of $1"',
      sshd: 'echo "passwordauthentication no"; echo "warning from sshd" >&2',
    };
    writeFileSync(
      `${bin}/${tool}`,
      `#!/bin/sh\n# Stand-in for ${tool} (records its arguments; not the real tool).\nprintf '%s\\n' "${tool} $*" >> ${log}\n${body[tool] ?? `echo "${tool} output"`}\n`,
    );
    chmodSync(`${bin}/${tool}`, 0o755);
  }
  return {
    dir,
    bin,
    work,
    calls: () => {
      try {
        return readFileSync(log, "utf8").trim().split("\n");
      } catch {
        return [];
      }
    },
    files: () => readdirSync(work),
  };
}

function runScript(s: Sandbox): string {
  const r = spawnSync("/bin/sh", ["-s"], {
    cwd: s.work,
    input: discoveryScript([]),
    env: { PATH: s.bin, HOME: s.work },
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
  return r.stdout;
}

describe("discover: the probe script", () => {
  const boxes: Sandbox[] = [];
  afterEach(() => boxes.splice(0).forEach((b) => rmSync(b.dir, { recursive: true, force: true })));
  const box = (o: Parameters<typeof sandbox>[0]) => {
    const b = sandbox(o);
    boxes.push(b);
    return b;
  };

  it("as root runs exactly the read-only probes and writes nothing", () => {
    const s = box({ uid: 0, sudo: "deny" });
    const out = runScript(s);
    assert.deepEqual(s.calls(), [
      "id -u",
      "uname -n",
      "cat /etc/os-release",
      "ip -j -d link show",
      "ip -j addr show",
      "ip -j -4 route show default",
      "cat /proc/sys/net/ipv4/ip_forward",
      "sshd -T",
      "ss -Htlnp",
      "ss -Hulnp",
      "nft -j list tables",
      "nft -j list chains",
      "systemctl is-active ssh sshd nftables dnsmasq networking libvirtd cloudflared",
    ]);
    assert.deepEqual(s.files(), [], "the working directory and HOME stay empty");
    const { sections } = parseSections(out);
    assert.deepEqual(sections.get("virsh"), {
      status: "missing",
      text: "",
      stderr: "",
      tool: "virsh",
    });
    assert.deepEqual(sections.get("sshd"), {
      status: "ok",
      text: "passwordauthentication no",
      code: 0,
      stderr: "warning from sshd",
    });
    assert.equal(sections.get("os-release")?.text, "contents of /etc/os-release");
  });

  it("as a user with passwordless sudo runs the root probes through sudo -n", () => {
    const s = box({ uid: 1000, sudo: "allow" });
    runScript(s);
    const calls = s.calls();
    const root = PROBES.filter((p) => p.root && p.argv[0] !== "virsh").map(
      (p) => `sudo -n ${p.argv.join(" ")}`,
    );
    for (const c of root) assert.ok(calls.includes(c), `${c} in ${calls.join(" | ")}`);
    assert.ok(calls.includes("uname -n") && !calls.includes("sudo -n uname -n"));
    assert.deepEqual(s.files(), []);
  });

  it("as a user whose sudo wants a password reads nothing and says so", () => {
    const s = box({ uid: 1000, sudo: "deny" });
    const out = runScript(s);
    assert.equal(out, "@@homelab-discover nosudo deploy\n");
    assert.deepEqual(s.calls(), ["id -u", "sudo -n true", "id -un"]);
    assert.deepEqual(parseSections(out).nosudo, "deploy");
  });

  it("reports a missing tool as missing and a failing one with its exit code", () => {
    const s = box({ uid: 0, sudo: "deny", without: ["nft", "systemctl"] });
    writeFileSync(`${s.bin}/ss`, "#!/bin/sh\necho 'Cannot open netlink socket' >&2\nexit 1\n");
    const { sections } = parseSections(runScript(s));
    assert.equal(sections.get("nft-tables")?.status, "missing");
    assert.equal(sections.get("units")?.tool, "systemctl");
    assert.deepEqual(sections.get("tcp"), {
      status: "failed",
      text: "",
      code: 1,
      stderr: "Cannot open netlink socket",
    });
  });

  it("has no redirection into a file and no systemctl verb but is-active", () => {
    const script = discoveryScript();
    const redirects = script.match(/\d*>>?&?[^\s;)]*/g) ?? [];
    const allowed = new Set([">/dev/null", "2>&1", "1>&3", "3>&-", "3>&1"]);
    assert.deepEqual(
      redirects.filter((r) => !allowed.has(r)),
      [],
      `redirections: ${redirects.join(" ")}`,
    );
    assert.ok(!/\btee\b|\bdd\b|\brm\b|\bmv\b|\bcp\b|\bmkdir\b|\btouch\b/.test(script));
    const verbs = [...script.matchAll(/systemctl (\S+)/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(verbs)], ["is-active"]);
    for (const p of PROBES) {
      assert.ok(
        !p.argv.some((a) =>
          /^(add|del|delete|flush|set|start|stop|restart|reload|define|destroy|-w|--write)$/.test(
            a,
          ),
        ),
        p.argv.join(" "),
      );
    }
  });
});
