/** Helpers to read recorded mock inputs. */
import * as pulumi from "@pulumi/pulumi";
import type { Recorded } from "./mocks";

/** Pulumi's wire signature for secret values. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VAL = "1b47061264138c4ac30d75fd1eb44270";

export function isSecret(v: unknown): boolean {
  return (
    typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG] === SECRET_VAL
  );
}

/** The value inside a secret wrapper (or the value itself). */
export function reveal<T = unknown>(v: unknown): T {
  return (isSecret(v) ? (v as { value: unknown }).value : v) as T;
}

export async function assetText(v: unknown): Promise<string> {
  return await (v as pulumi.asset.StringAsset).text;
}

export function byName(resources: readonly Recorded[], type: string, name: string): Recorded {
  const r = resources.find((x) => x.type === type && x.name === name);
  if (!r)
    throw new Error(
      `no ${type} named ${name}; have: ${resources
        .filter((x) => x.type === type)
        .map((x) => x.name)
        .join(", ")}`,
    );
  return r;
}

export function children(resources: readonly Recorded[]): string[] {
  return resources
    .filter((r) => r.type !== "pulumi:pulumi:Stack")
    .map((r) => `${r.type} ${r.name}`);
}

/**
 * The files a unit's command stages, decoded from the bundle on its stdin
 * (renderers/unit-bundle.ts: `put <name> <sha256> <<'HOMELAB_EOF'`, base64, `HOMELAB_EOF`).
 */
export function bundleFiles(resources: readonly Recorded[], unit: string): Record<string, string> {
  const stdin = String(
    reveal(byName(resources, "command:remote:Command", `${unit}-apply`).inputs.stdin),
  );
  const files: Record<string, string> = {};
  for (const m of stdin.matchAll(
    /^put (\S+) [0-9a-f]{64} <<'HOMELAB_EOF'\n([\s\S]*?)\nHOMELAB_EOF$/gm,
  ))
    files[m[1]!] = Buffer.from(m[2]!.replace(/\n/g, ""), "base64").toString("utf8");
  return files;
}
