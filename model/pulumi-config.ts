/**
 * The only place that reads Pulumi config: turns the stack's `homelab:` keys into plain values for
 * loadInventory. Components never read config.
 */
import * as pulumi from "@pulumi/pulumi";
import { INVENTORY_KEYS, SECRET_KEYS } from "./inventory";
import { InventoryError, loadInventory, NAMESPACE } from "./load";
import type { Lab } from "./lab";
import type { Issue } from "./schema";
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

/** Loads the lab from the running stack's configuration, or fails the program listing every problem. */
export function loadLabFromStackConfig(): Lab {
  // isConfigSecret is exported by the SDK's runtime but marked @internal in its typings.
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  const { raw, issues } = rawInventoryFromConfig(
    pulumi.runtime.allConfig(),
    (k) => runtime.isConfigSecret?.(k) ?? false,
  );
  const result = loadInventory(raw);
  const all = [...issues, ...result.issues];
  if (all.length > 0 || !result.lab) {
    // RunError: the engine prints the message without a stack trace.
    throw new pulumi.RunError(new InventoryError(all).message);
  }
  return result.lab;
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
