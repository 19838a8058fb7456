/**
 * Redaction of everything the preview comment prints: Pulumi already prints secrets as `[secret]`
 * (old values included); key material, Pulumi ciphertext and GitHub tokens are removed again, and
 * configured masks (HOMELAB_PREVIEW_MASKS, --mask) remove anything else.
 */

const KEY_MATERIAL = [
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----/g,
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*/g,
  /\bv1:[A-Za-z0-9+/=]{16,}:[A-Za-z0-9+/=]{16,}\b/g, // Pulumi passphrase ciphertext
  /\b(ghp|gho|ghs|github_pat)_[A-Za-z0-9_]{20,}\b/g,
];

export function redact(text: string, masks: readonly RegExp[] = []): string {
  let out = text;
  for (const re of [...KEY_MATERIAL, ...masks]) {
    const global = re.global ? re : new RegExp(re.source, `${re.flags}g`);
    // An empty match (a zero-width pattern such as `\b`) redacts nothing.
    out = out.replace(global, (m) => (m === "" ? "" : "[redacted]"));
  }
  return out;
}
