/** Runs real validators on generated files. */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export interface ToolResult {
  readonly status: number;
  readonly output: string;
}

/** Writes `content` to a temp file and runs `cmd` with the file path substituted for `{}`. */
export function withTempFile(
  content: string,
  name: string,
  run: (file: string, dir: string) => ToolResult,
): ToolResult {
  const dir = mkdtempSync(path.join(tmpdir(), "homelab-test-"));
  try {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    return run(file, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function run(cmd: string, args: string[], input?: string): ToolResult {
  const r = spawnSync(cmd, args, { input, encoding: "utf8" });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

export function sshKeygen(dir: string): string {
  const key = path.join(dir, "host_ed25519");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
  return key;
}
