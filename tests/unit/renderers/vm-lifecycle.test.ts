import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { vmDomainUnit, vmRestartCommand } from "../../../renderers/units/hypervisor";
import { homeLab } from "../../support/labs";

/**
 * A stand-in for virsh, for these tests only (never installed anywhere else): it follows the
 * documented behaviour of the commands the restart script uses (virsh(1): `domstate` prints
 * "running" or "shut off"; `dumpxml` prints the live definition of a running domain, `--inactive`
 * the persistent one; `shutdown` asks the guest to power off; `start` of a running domain fails)
 * over two files, and logs each call.
 */
const FAKE_VIRSH = `#!/bin/sh
# stand-in for virsh(1) in tests only: domstate, dumpxml [--inactive], shutdown, destroy, start
d="$FAKE_VIRSH_DIR"; echo "$*" >>"$d/calls"
case "$1" in
  domstate) cat "$d/state" ;;
  dumpxml) if [ "$2" = --inactive ]; then cat "$d/inactive.xml"; else cat "$d/live.xml"; fi ;;
  shutdown) echo "shut off" >"$d/state" ;;
  destroy) echo "shut off" >"$d/state" ;;
  start) [ "$(cat "$d/state")" = running ] && { echo "error: Domain is already active" >&2; exit 1; }
         cp "$d/inactive.xml" "$d/live.xml"; echo running >"$d/state" ;;
  *) echo "fake virsh: unsupported $*" >&2; exit 2 ;;
esac
`;

const domain = (mib: number) =>
  `<domain type='qemu'>\n  <name>hermes</name>\n  <memory unit='KiB'>${mib * 1024}</memory>\n  <vcpu placement='static'>1</vcpu>\n  <devices>\n    <interface type='bridge'>\n      <mac address='ca:fe:c0:ff:ee:07'/>\n      <source bridge='br-dmz'/>\n    </interface>\n  </devices>\n</domain>\n`;

describe("renderer: VM restarts and disks, run for real", function () {
  this.timeout(30000);
  const lab = homeLab();
  const vm = lab.hypervisors.flatMap((h) => h.vms).find((v) => v.name === "hermes")!;
  let dir = "";
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "homelab-vm-"));
    writeFileSync(path.join(dir, "virsh"), FAKE_VIRSH);
    chmodSync(path.join(dir, "virsh"), 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const runRestart = (state: string, live: string, inactive: string) => {
    writeFileSync(path.join(dir, "state"), `${state}\n`);
    writeFileSync(path.join(dir, "live.xml"), live);
    writeFileSync(path.join(dir, "inactive.xml"), inactive);
    writeFileSync(path.join(dir, "calls"), "");
    const r = spawnSync("sh", ["-c", vmRestartCommand(vm, "root").create], {
      env: { PATH: `${dir}:/usr/bin:/bin`, FAKE_VIRSH_DIR: dir },
      encoding: "utf8",
    });
    const calls = readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");
    return { status: r.status, out: `${r.stdout}${r.stderr}`, calls };
  };

  it("restarts a running domain whose memory differs from its definition, and checks the result", () => {
    const r = runRestart("running", domain(1024), domain(2048));
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /homelab: restarting hermes: its memory, vCPUs or NICs changed/);
    assert.deepEqual(
      r.calls.filter((c) => !c.startsWith("dumpxml") && !c.startsWith("domstate")),
      ["shutdown hermes", "start hermes"],
    );
    assert.equal(readFileSync(path.join(dir, "live.xml"), "utf8"), domain(2048));
  });

  it("leaves a domain alone that already runs its definition, or is not running", () => {
    for (const [state, live] of [
      ["running", domain(2048)],
      ["shut off", domain(1024)],
    ] as const) {
      const r = runRestart(state, live, domain(2048));
      assert.equal(r.status, 0, r.out);
      assert.match(r.out, /hermes runs its current definition; no restart needed/);
      assert.ok(!r.calls.some((c) => /^(shutdown|start|destroy)/.test(c)), r.calls.join(","));
    }
  });

  it("never rebuilds an existing disk from a new base image, and says so (real qemu-img)", () => {
    const base = path.join(dir, "old-base.qcow2");
    const disk = path.join(dir, "hermes.qcow2");
    spawnSync("qemu-img", ["create", "-q", "-f", "qcow2", base, "1G"]);
    spawnSync("qemu-img", ["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", base, disk, "2G"]);
    const moved = { ...vm, image: path.join(dir, "new-base.qcow2") };
    const spec = vmDomainUnit(lab, moved);
    const [create, note] = spec.activate.map((l) =>
      l.split(`'${vm.image}'`).join(`'${moved.image}'`),
    );
    const script = [create, note]
      .map((l) => l!.split("'/var/lib/libvirt/images/hermes.qcow2'").join(`'${disk}'`))
      .join("\n");
    const before = readFileSync(disk);
    const said = `homelab: hermes: the disk keeps its base image ${base}; the new image ${moved.image} applies to new disks only (remove the VM's disk to rebuild it)`;
    const r = spawnSync("sh", ["-ec", script], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), said);
    assert.deepEqual(readFileSync(disk), before, "the disk is untouched");
    // The VM is usually running: QEMU holds the disk's write lock (seen in the lab, where a plain
    // `qemu-img info` refuses with 'Failed to get shared "write" lock'). qemu-io holds it the same way.
    const holder = spawnSync(
      "sh",
      [
        "-c",
        `sleep 30 2>/dev/null | qemu-io -f qcow2 '${disk}' >/dev/null 2>&1 & q=$!; ` +
          // wait until qemu-io holds the lock (a plain qemu-img info then refuses), at most 10 s
          `for i in $(seq 50); do qemu-img info '${disk}' >/dev/null 2>&1 || break; sleep 0.2; done; ` +
          `qemu-img info '${disk}' >/dev/null 2>&1 && echo unlocked; ${script}; kill $q`,
      ],
      { encoding: "utf8" },
    );
    assert.equal(holder.status, 0, holder.stderr);
    assert.equal(holder.stdout.trim(), said, "the note also when the disk is in use");
  });
});
