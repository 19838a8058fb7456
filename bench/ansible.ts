/**
 * Ansible side by side (P3): the same files and activation as our units, generated from the same
 * renderers, applied by bench/ansible/playbook.yml with the same validators.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import type { Lab } from "../model/lab";
import { exec, labJson, ROOT, unitsOf, WORK, type Ran } from "./lab";

const ACTIVATE_KEY: Record<string, string> = {
  sshd: "sshd",
  network: "network",
  firewall: "firewall",
  dns: "dns",
};

/** How Ansible validates each staged file before it replaces the target (as our units do). */
function validateFor(unit: string, file: string): string | undefined {
  if (file === "sshd.conf") return "/usr/sbin/sshd -t -f %s";
  if (file === "authorized_keys") return "ssh-keygen -l -f %s";
  if (file === "nftables.conf") return "nft -c -f %s";
  if (file === "dnsmasq.conf") return "dnsmasq --test --conf-file=%s";
  if (file === "converge.sh") return "sh -n %s";
  void unit;
  return undefined;
}

export function writeAnsible(lab: Lab): string {
  const dir = path.join(WORK, "ansible");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, "host_vars"), { recursive: true });
  const j = labJson();
  const inventory: string[] = ["[homelab]"];
  for (const m of lab.machines) {
    const oob = j.hosts.find((h) => h.name === m.name)!.oobAddress;
    inventory.push(
      `${m.name} ansible_host=${oob} ansible_user=root ansible_ssh_private_key_file=${j.deployKey} ansible_ssh_common_args='-o UserKnownHostsFile=${j.knownHosts} -o StrictHostKeyChecking=yes'`,
    );
    const files: Record<string, string>[] = [];
    const activate: Record<string, string> = {};
    for (const u of unitsOf(lab, m)) {
      activate[ACTIVATE_KEY[u.unit]!] = u.activate.join(" && ");
      for (const f of u.files) {
        const src = path.join(dir, "files", m.name, u.unit, f.name);
        mkdirSync(path.dirname(src), { recursive: true });
        writeFileSync(src, f.content);
        const v = validateFor(u.unit, f.name);
        files.push({
          src,
          dest: f.target,
          mode: f.mode,
          owner: f.owner ?? "root",
          unit: ACTIVATE_KEY[u.unit]!,
          ...(v ? { validate: v } : {}),
        });
      }
    }
    writeFileSync(
      path.join(dir, "host_vars", `${m.name}.yml`),
      stringify({ homelab_files: files, homelab_activate: activate }),
    );
  }
  writeFileSync(path.join(dir, "inventory.ini"), `${inventory.join("\n")}\n`);
  return path.join(dir, "inventory.ini");
}

/**
 * One ansible-playbook run, starting without SSH connections: its ControlPersist masters (kept 60 s
 * by default) live in a directory of this run's own and are closed afterwards, so a run never reuses
 * the previous run's connections — as when a homelabber re-runs the playbook later.
 */
export function ansible(inventory: string): Ran {
  const cp = mkdtempSync(path.join(WORK, "ansible-cp-"));
  try {
    return exec(
      "ansible-playbook",
      ["-i", inventory, path.join(ROOT, "bench", "ansible", "playbook.yml")],
      { ...process.env, ANSIBLE_NOCOLOR: "1", ANSIBLE_SSH_CONTROL_PATH_DIR: cp },
    );
  } finally {
    for (const socket of readdirSync(cp))
      spawnSync("ssh", ["-O", "exit", "-o", `ControlPath=${path.join(cp, socket)}`, "master"], {
        stdio: "ignore",
      });
    rmSync(cp, { recursive: true, force: true });
  }
}
