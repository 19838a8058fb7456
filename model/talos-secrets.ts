/**
 * Checks an adopted Talos secrets bundle (homelab:talosSecrets) before anything runs: the fields
 * `talosctl gen config --with-secrets` needs, as the Talos bundle validation lists them
 * (pkg/machinery/config/generate/secrets, Bundle.Validate: cluster, secrets, trustdinfo, certs).
 * Messages name the field, never a value (they are secrets).
 */
import { parse } from "yaml";
import type { Issue } from "./schema";

export const TALOS_SECRETS_KEY = "homelab:talosSecrets";

const FIX =
  "Take the bundle from the cluster (README: Adopting an existing Talos cluster) and set it with pulumi config set --secret homelab:talosSecrets < secrets.yaml";

function at(doc: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>(
      (v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined),
      doc,
    );
}

const text = (v: unknown) => typeof v === "string" && v.trim() !== "";

/** A base64-encoded PEM block, as the bundle stores certificates and keys. */
function isPem(v: unknown): boolean {
  if (!text(v)) return false;
  return /^-----BEGIN [A-Z0-9 ]+-----/.test(Buffer.from(v as string, "base64").toString("utf8"));
}

export function talosSecretsProblems(bundle: string): Issue[] {
  let doc: unknown;
  try {
    doc = parse(bundle);
  } catch {
    return [
      {
        path: TALOS_SECRETS_KEY,
        message: `is not YAML; expected the secrets bundle written by talosctl gen secrets. ${FIX}.`,
      },
    ];
  }
  if (!doc || typeof doc !== "object") {
    return [
      {
        path: TALOS_SECRETS_KEY,
        message: `is not a mapping; expected the secrets bundle written by talosctl gen secrets (cluster, secrets, trustdinfo, certs). ${FIX}.`,
      },
    ];
  }
  const problems: string[] = [];
  for (const f of ["cluster.id", "cluster.secret", "secrets.bootstraptoken", "trustdinfo.token"])
    if (!text(at(doc, f))) problems.push(`${f} is missing`);
  if (
    !text(at(doc, "secrets.secretboxencryptionsecret")) &&
    !text(at(doc, "secrets.aescbcencryptionsecret"))
  )
    problems.push(
      "one of secrets.secretboxencryptionsecret, secrets.aescbcencryptionsecret is missing",
    );
  for (const ca of ["etcd", "k8s", "k8saggregator", "os"])
    for (const part of ["crt", "key"])
      if (!isPem(at(doc, `certs.${ca}.${part}`)))
        problems.push(`certs.${ca}.${part} is missing or not a base64-encoded PEM block`);
  if (!isPem(at(doc, "certs.k8sserviceaccount.key")))
    problems.push("certs.k8sserviceaccount.key is missing or not a base64-encoded PEM block");
  return problems.map((p) => ({
    path: TALOS_SECRETS_KEY,
    message: `${p}; expected a complete talosctl secrets bundle. ${FIX}.`,
  }));
}
