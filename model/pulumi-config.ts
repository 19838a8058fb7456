/**
 * The only place that reads Pulumi config: turns the stack's `homelab:` keys into plain values for
 * loadInventory. Components never read config.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { deployKeyIssue } from "./deploy-key";
import { INVENTORY_KEYS, SECRET_KEYS } from "./inventory";
import { InventoryError, loadInventory, NAMESPACE } from "./load";
import type { Lab } from "./lab";
import type { Issue } from "./schema";
import { readStackFile } from "./stack-file";
import { TALOS_SECRETS_KEY, talosSecretsProblems } from "./talos-secrets";

/**
 * Converts raw config strings (as the engine passes them) to values: structured keys arrive as JSON
 * text, plain strings as themselves. Secret keys are left out: they never enter the model.
 */
export function rawInventoryFromConfig(
  all: Readonly<Record<string, string>>,
  isSecret: (key: string) => boolean,
): { raw: Record<string, unknown>; issues: Issue[] } {
  const raw: Record<string, unknown> = {};
  const issues: Issue[] = [];
  for (const [fullKey, text] of Object.entries(all)) {
    if (!fullKey.startsWith(`${NAMESPACE}:`)) continue;
    const key = fullKey.slice(NAMESPACE.length + 1);
    if (key in SECRET_KEYS) continue;
    const def = (INVENTORY_KEYS as Record<string, { schema: { doc: { kind: string } } }>)[key];
    if (def && isSecret(fullKey)) {
      issues.push({
        path: fullKey,
        message: `is stored as a secret; expected plain configuration (the inventory ends up in resource inputs and docs). Set it without --secret and keep secrets in dedicated secret keys.`,
      });
      continue;
    }
    if (def && def.schema.doc.kind !== "string") {
      try {
        raw[fullKey] = JSON.parse(text) as unknown;
      } catch {
        raw[fullKey] = text;
      }
    } else {
      raw[fullKey] = text;
    }
  }
  return { raw, issues };
}

/**
 * The deploy key must be set, and set as a secret. The program checks this itself instead of declaring
 * the keys in Pulumi.yaml: the engine stops at the first declared key that is missing, before the
 * program runs, and would hide every other problem of the stack.
 */
export function secretKeyIssues(
  all: Readonly<Record<string, string>>,
  isSecret: (key: string) => boolean,
): Issue[] {
  const issues: Issue[] = [];
  // The deploy key is the one required secret; the optional homelab:talosSecrets is checked
  // (secret, complete bundle) where it is read, adoptedTalosSecrets below.
  for (const key of ["deployPrivateKey"] satisfies (keyof typeof SECRET_KEYS)[]) {
    const fullKey = `${NAMESPACE}:${key}`;
    const set = `Set it with \`pulumi config set --secret ${fullKey} < ~/.ssh/homelab_ed25519\`.`;
    if (!(fullKey in all) || all[fullKey] === "") {
      issues.push({
        path: fullKey,
        message: `(missing) is required; expected the deployer's SSH private key, stored as a secret. ${set}`,
      });
    } else if (!isSecret(fullKey)) {
      issues.push({
        path: fullKey,
        message: `is stored in plaintext; expected a secret (a private key never sits in the stack file in the clear). Remove it from Pulumi.<stack>.yaml and rotate the key, then ${set.charAt(0).toLowerCase()}${set.slice(1)}`,
      });
    }
  }
  return issues;
}

/** Loads the lab from the running stack's configuration, or fails the program listing every problem. */
export function loadLabFromStackConfig(): Lab {
  // isConfigSecret is exported by the SDK's runtime but marked @internal in its typings.
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  const config = pulumi.runtime.allConfig();
  const isSecret = (k: string) => runtime.isConfigSecret?.(k) ?? false;
  const { raw, issues } = rawInventoryFromConfig(config, isSecret);
  const result = loadInventory(raw, stackFileSource());
  const secretIssues = secretKeyIssues(config, isSecret);
  // The deploy key is read here only to derive its public half; it never enters the model.
  const keyIssue =
    secretIssues.length === 0
      ? deployKeyIssue(config[`${NAMESPACE}:deployPrivateKey`]!, result.lab?.authorizedKeys)
      : undefined;
  const all = [...secretIssues, ...(keyIssue ? [keyIssue] : []), ...issues, ...result.issues];
  if (all.length > 0 || !result.lab) {
    // RunError: the engine prints the message without a stack trace.
    throw new pulumi.RunError(new InventoryError(all).message);
  }
  return result.lab;
}

/** The stack file's source text per config path, when the file is where the CLI keeps it. */
function stackFileSource(): ((path: string) => string | undefined) | undefined {
  const file = path.join(process.cwd(), `Pulumi.${pulumi.getStack()}.yaml`);
  if (!existsSync(file)) return undefined;
  try {
    return readStackFile(file).written;
  } catch {
    return undefined; // the engine read the same file already; values are shown as it passed them
  }
}

/** The deploy key, as a secret Output. */
export function deployPrivateKey(): pulumi.Output<string> {
  return new pulumi.Config(NAMESPACE).requireSecret("deployPrivateKey");
}

/**
 * The adopted Talos secrets bundle (homelab:talosSecrets) as a secret Output, or undefined when it
 * is not set (the cluster generates its own once). A plaintext or incomplete bundle fails the
 * program before anything is registered; the messages never contain the value.
 */
export function adoptedTalosSecrets(lab: Lab): pulumi.Output<string> | undefined {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  const value = pulumi.runtime.allConfig()[TALOS_SECRETS_KEY];
  if (value === undefined || value === "") return undefined;
  const issues: Issue[] = !lab.talos
    ? [
        {
          path: TALOS_SECRETS_KEY,
          message:
            "is set but homelab:talos is not; expected a cluster to adopt. Declare the cluster in homelab:talos or remove homelab:talosSecrets.",
        },
      ]
    : runtime.isConfigSecret?.(TALOS_SECRETS_KEY)
      ? talosSecretsProblems(value)
      : [
          {
            path: TALOS_SECRETS_KEY,
            message:
              "is stored in plaintext; expected a secret (it holds the cluster's CA keys). Set it with pulumi config set --secret homelab:talosSecrets < secrets.yaml, and remove the plaintext value from Pulumi.<stack>.yaml and its history.",
          },
        ];
  if (issues.length > 0) throw new pulumi.RunError(new InventoryError(issues).message);
  return pulumi.secret(value);
}
