/**
 * The read-only script `npm run discover` runs on a machine in its one SSH session: a pure
 * renderer from a fixed list of probes to POSIX sh. Every probe only prints (ip, ss, sshd -T, nft
 * list, virsh list, systemctl is-active, cat of /etc/os-release and /proc); the only redirections
 * are file-descriptor duplications and /dev/null. Its output is a sequence of marked sections:
 *
 *   @@homelab-discover begin <section>
 *   <the probe's stdout>
 *   @@homelab-discover end <section> <exit code>
 *   @@homelab-discover stderr <section> <one line of the probe's stderr>   (per line, if any)
 *
 * or `@@homelab-discover missing <section> <tool>` when the tool is not installed (reported, not an
 * error), and a single `@@homelab-discover nosudo <user>` (and nothing else) when the user is not
 * root and `sudo -n` is refused.
 */

export const MARK = "@@homelab-discover";

/** Units the product manages (renderers/units): their state is reported, never changed. */
export const MANAGED_UNITS = [
  "ssh",
  "sshd",
  "nftables",
  "dnsmasq",
  "networking",
  "libvirtd",
  "cloudflared",
] as const;

export interface Probe {
  /** Section name in the output. */
  readonly section: string;
  /** The command run, as argv (no shell syntax). */
  readonly argv: readonly string[];
  /** Needs root: run through `sudo -n` when the user is not root. */
  readonly root: boolean;
}

/** Every command the script runs besides `id -u` and `sudo -n true` (the privilege check). */
export const PROBES: readonly Probe[] = [
  { section: "hostname", argv: ["uname", "-n"], root: false },
  { section: "os-release", argv: ["cat", "/etc/os-release"], root: false },
  { section: "link", argv: ["ip", "-j", "-d", "link", "show"], root: false },
  { section: "addr", argv: ["ip", "-j", "addr", "show"], root: false },
  { section: "route", argv: ["ip", "-j", "-4", "route", "show", "default"], root: false },
  { section: "ip-forward", argv: ["cat", "/proc/sys/net/ipv4/ip_forward"], root: false },
  // Reads sshd_config and the host keys: root.
  { section: "sshd", argv: ["sshd", "-T"], root: true },
  // Process names of other users' sockets need root.
  { section: "tcp", argv: ["ss", "-Htlnp"], root: true },
  { section: "udp", argv: ["ss", "-Hulnp"], root: true },
  {
    section: "virsh",
    argv: ["virsh", "-c", "qemu:///system", "list", "--all", "--name"],
    root: true,
  },
  { section: "nft-tables", argv: ["nft", "-j", "list", "tables"], root: true },
  { section: "nft-chains", argv: ["nft", "-j", "list", "chains"], root: true },
  { section: "units", argv: ["systemctl", "is-active", ...MANAGED_UNITS], root: false },
];

/** Where sbin tools live on Debian (not on a non-root user's PATH) and on NixOS. */
export const EXTRA_PATH = ["/usr/sbin", "/sbin", "/run/current-system/sw/bin"] as const;

const quote = (s: string) => (/^[A-Za-z0-9_./:=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * The script (read by `sh -s` on the machine). `extraPath` is appended to PATH; tests pass their
 * own so that no real tool outside their fake PATH can be found.
 */
export function discoveryScript(extraPath: readonly string[] = EXTRA_PATH): string {
  const lines = [
    "set -u",
    "export LC_ALL=C",
    ...(extraPath.length > 0 ? [`PATH="$PATH:${extraPath.join(":")}"`, "export PATH"] : []),
    `M=${MARK}`,
    'S=""',
    'if [ "$(id -u)" != 0 ]; then',
    '  if sudo -n true >/dev/null 2>&1; then S="sudo -n"; else',
    '    printf \'%s nosudo %s\\n\' "$M" "$(id -un)"',
    "    exit 0",
    "  fi",
    "fi",
    // probe <section> <root: 0|1> <tool> <args...>: stdout passes through, stderr is captured
    // (fd 3 carries stdout past the command substitution) and printed after the end mark.
    "probe() {",
    "  sec=$1; root=$2; shift 2",
    '  if ! command -v "$1" >/dev/null 2>&1; then',
    '    printf \'%s missing %s %s\\n\' "$M" "$sec" "$1"',
    "    return 0",
    "  fi",
    '  pre=""',
    '  if [ "$root" = 1 ]; then pre=$S; fi',
    '  printf \'%s begin %s\\n\' "$M" "$sec"',
    '  { err=$($pre "$@" 2>&1 1>&3 3>&-); rc=$?; } 3>&1',
    '  printf \'\\n%s end %s %s\\n\' "$M" "$sec" "$rc"',
    '  if [ -n "$err" ]; then',
    '    printf \'%s\\n\' "$err" | while IFS= read -r l; do printf \'%s stderr %s %s\\n\' "$M" "$sec" "$l"; done',
    "  fi",
    "}",
    ...PROBES.map((p) => `probe ${p.section} ${p.root ? 1 : 0} ${p.argv.map(quote).join(" ")}`),
    "",
  ];
  return lines.join("\n");
}

export interface Section {
  readonly status: "ok" | "failed" | "missing";
  readonly text: string;
  readonly code?: number;
  readonly stderr: string;
  /** The tool that is not installed (status missing). */
  readonly tool?: string;
}

export type Sections = ReadonlyMap<string, Section>;

/** Splits the script's output into sections; `nosudo` names the user when sudo was refused. */
export function parseSections(out: string): { sections: Sections; nosudo?: string } {
  const sections = new Map<string, Section>();
  const lines = out.split("\n");
  const errs = new Map<string, string[]>();
  let current: { name: string; body: string[] } | undefined;
  for (const line of lines) {
    const m = line.startsWith(`${MARK} `) ? line.slice(MARK.length + 1) : undefined;
    if (current) {
      const end = m && /^end (\S+) (\d+)$/.exec(m);
      if (end && end[1] === current.name) {
        const code = Number(end[2]);
        const text = current.body.join("\n").replace(/\n$/, "");
        sections.set(current.name, {
          status: code === 0 ? "ok" : "failed",
          text,
          code,
          stderr: "",
        });
        current = undefined;
      } else current.body.push(line);
      continue;
    }
    if (m === undefined) continue;
    const words = m.split(" ");
    if (words[0] === "nosudo") return { sections, nosudo: words.slice(1).join(" ") };
    if (words[0] === "begin" && words[1]) current = { name: words[1], body: [] };
    if (words[0] === "missing" && words[1]) {
      sections.set(words[1], { status: "missing", text: "", stderr: "", tool: words[2] ?? "" });
    }
    if (words[0] === "stderr" && words[1]) {
      errs.set(words[1], [...(errs.get(words[1]) ?? []), words.slice(2).join(" ")]);
    }
  }
  for (const [name, e] of errs) {
    const s = sections.get(name);
    if (s) sections.set(name, { ...s, stderr: e.join("\n") });
  }
  return { sections };
}
