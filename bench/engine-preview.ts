/**
 * P6: a real-engine `pulumi preview --policy-pack policies` of a synthetic inventory of N machines
 * (bench/synthetic.ts), on a throwaway stack (file backend and config file in a temp dir), inside
 * an empty network namespace (`unshare --net`, loopback only: the engine talks to its plugins over
 * 127.0.0.1), so contacting no host is a fact. Wall time of the whole command and the engine's peak
 * resident memory (GNU time).
 *
 *   ts-node bench/engine-preview.ts 600   → {"machines":600,"ms":…,"engineMaxRssMiB":…,"resources":…}
 *
 * Needs the toolchain (scripts/lab.sh env provides PATH and PULUMI_HOME) and root (unshare).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { syntheticInventory } from "./synthetic";

const ROOT = path.resolve(__dirname, "..");
/** Not a key: preview never uses it, but the engine refuses a stack without the secret. */
const FAKE_KEY =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nbm90LWEtcmVhbC1rZXktanVzdC1hLWJlbmNobWFyaw==\n-----END OPENSSH PRIVATE KEY-----\n";

export interface EnginePreview {
  readonly machines: number;
  readonly ms: number;
  readonly engineMaxRssMiB: number;
  /** Resources the preview would create. */
  readonly resources: number;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string) {
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    env,
    input,
    encoding: "utf8",
    maxBuffer: 512 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${(r.stdout + r.stderr).slice(-4000)}`);
  }
  return r;
}

export function enginePreview(machines: number, baseEnv: NodeJS.ProcessEnv): EnginePreview {
  const dir = mkdtempSync(path.join(tmpdir(), "homelab-p6-"));
  try {
    // `stack init` with the passphrase provider writes the stack's salt to Pulumi.<stack>.yaml in
    // the project directory: a name of this run's own, removed afterwards.
    const stack = `bench-scale-${process.pid}`;
    const configFile = path.join(dir, `Pulumi.${stack}.yaml`);
    writeFileSync(
      configFile,
      stringify({ config: syntheticInventory(machines) }, { lineWidth: 0 }),
    );
    const env: NodeJS.ProcessEnv = {
      ...baseEnv,
      PULUMI_BACKEND_URL: `file://${dir}/state`,
      PULUMI_CONFIG_PASSPHRASE: "benchmark-only",
      PULUMI_SKIP_UPDATE_CHECK: "true",
    };
    run("mkdir", ["-p", `${dir}/state`], env);
    run(
      "pulumi",
      ["stack", "init", stack, "--secrets-provider", "passphrase", "--non-interactive"],
      env,
    );
    run(
      "pulumi",
      [
        "config",
        "set",
        "--secret",
        "--stack",
        stack,
        "--config-file",
        configFile,
        "homelab:deployPrivateKey",
      ],
      env,
      FAKE_KEY,
    );
    const json = path.join(dir, "preview.json");
    const time = path.join(dir, "time");
    const start = process.hrtime.bigint();
    run(
      "unshare",
      [
        "--net",
        "sh",
        "-c",
        'ip link set lo up && exec /usr/bin/time -f %M -o "$1" pulumi preview --stack "$2" --config-file "$3" --policy-pack policies --non-interactive --json > "$4"',
        "p6",
        time,
        stack,
        configFile,
        json,
      ],
      env,
    );
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const digest = JSON.parse(readFileSync(json, "utf8")) as { steps?: { op: string }[] };
    return {
      machines,
      ms,
      engineMaxRssMiB: Math.round(
        Number(readFileSync(time, "utf8").trim().split("\n").pop()) / 1024,
      ),
      resources: (digest.steps ?? []).filter((s) => s.op === "create").length,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(path.join(ROOT, `Pulumi.bench-scale-${process.pid}.yaml`), { force: true });
  }
}

if (require.main === module) {
  const n = Number(process.argv[2]);
  if (!Number.isInteger(n) || n < 4) throw new Error("usage: engine-preview.ts <machines (>= 4)>");
  process.stdout.write(`${JSON.stringify(enginePreview(n, process.env))}\n`);
}
