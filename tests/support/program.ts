import * as path from "node:path";
import { corpus, FIXTURES } from "./corpus";
import { engineConfig, importFresh, runMocked, RunResult } from "./mocks";
import { applyPatch, PatchOp } from "./patch";
import { readStackConfig } from "./stack";

/**
 * The deploy key of the example stacks: a test-only Ed25519 key (never used on any host) whose public
 * half is the `admin@workstation` key in Pulumi.home.yaml and the valid fixtures, since the program
 * refuses a deploy key that authorizedKeys does not hold (model/deploy-key.ts).
 */
export const TEST_DEPLOY_KEY =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACDJkAWy/V1dvst1LXUV5Qnb6I/EgXEelw6Zl8H8zU07lgAAAJid0SYXndEm\nFwAAAAtzc2gtZWQyNTUxOQAAACDJkAWy/V1dvst1LXUV5Qnb6I/EgXEelw6Zl8H8zU07lg\nAAAEBzsqWX1hrN/e/aYTm5bx+VEfQ8VtgOjwJTZS/LHf78qcmQBbL9XV2+y3UtdRXlCdvo\nj8SBcR6XDpmXwfzNTTuWAAAAEWFkbWluQHdvcmtzdGF0aW9uAQIDBA==\n-----END OPENSSH PRIVATE KEY-----\n";

/** Runs index.ts (the real program) under mocks with a stack config. */
export async function runProgram(raw: Record<string, unknown>): Promise<RunResult> {
  return runMocked(() => importFresh("index"), {
    config: { ...engineConfig(raw), "homelab:deployPrivateKey": TEST_DEPLOY_KEY },
    secretKeys: ["homelab:deployPrivateKey"],
    outputs: (r) =>
      r.type === "command:local:Command" || r.type === "command:remote:Command"
        ? { stdout: `stdout-of-${r.name}`, stderr: "" }
        : r.type === "random:index/randomPassword:RandomPassword"
          ? { result: `generated-${r.name}` }
          : r.type === "random:index/randomBytes:RandomBytes"
            ? { base64: Buffer.alloc(32, r.name.length).toString("base64") }
            : {},
    // The one provider function the program calls: the tunnel's token (labs with a tunnel).
    calls: (c) =>
      c.token ===
      "cloudflare:index/getZeroTrustTunnelCloudflaredToken:getZeroTrustTunnelCloudflaredToken"
        ? { accountId: "account", tunnelId: "tunnel", token: "TUNNEL-TOKEN" }
        : undefined,
  });
}

export function homeConfig(patch: PatchOp[] = []): Record<string, unknown> {
  return applyPatch(readStackConfig("Pulumi.home.yaml"), patch);
}

export function validConfig(file: string): Record<string, unknown> {
  return readStackConfig(path.join(FIXTURES, "valid", file));
}

export function insecureConfig(
  file: string,
  kind: "insecure" | "secure" = "insecure",
): Record<string, unknown> {
  const c = corpus(kind).find((x) => x.file === file);
  if (!c) throw new Error(`no ${kind} fixture ${file}`);
  return c.raw;
}
