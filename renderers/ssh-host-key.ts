/**
 * SSH host keys the program generates for new VMs (no trust-on-first-use): an ed25519 key derived from
 * a 32-byte secret seed (a `random.RandomBytes`), as the OpenSSH private key file sshd reads and the
 * public key line the deployer pins. Pure; the seed and the private key are secrets end to end.
 *
 * Formats:
 * - the private key file is "openssh-key-v1" (OpenSSH PROTOCOL.key): magic, cipher/kdf "none", one
 *   public key blob, then the private section (two equal check integers, key type, public key,
 *   seed||public, comment, padding 1,2,3… to the 8-byte block size), base64 between the armor lines;
 * - key blobs are RFC 8709 §4: string "ssh-ed25519", string of the 32-byte public key;
 * - node:crypto derives the public key from the seed through PKCS#8 (RFC 8410: the fixed DER prefix
 *   302e020100300506032b657004220420 followed by the seed).
 */
import { createHash, createPrivateKey, createPublicKey } from "node:crypto";

export interface HostKeyPair {
  /** OpenSSH private key file (secret). */
  readonly privateKey: string;
  /** `ssh-ed25519 AAAA…` without a comment, as the inventory pins it. */
  readonly publicKey: string;
}

const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
const sshString = (data: Buffer | string) => {
  const b = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  return Buffer.concat([u32(b.length), b]);
};

/** The ed25519 public key (32 bytes) of a 32-byte seed. */
export function ed25519PublicKey(seed: Buffer): Buffer {
  if (seed.length !== 32) throw new Error(`an ed25519 seed is 32 bytes, got ${seed.length}`);
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: "der",
    type: "pkcs8",
  });
  const spki = createPublicKey(key).export({ format: "der", type: "spki" });
  return spki.subarray(spki.length - 32);
}

export function ed25519HostKey(seed: Buffer, comment: string): HostKeyPair {
  const pub = ed25519PublicKey(seed);
  const blob = Buffer.concat([sshString("ssh-ed25519"), sshString(pub)]);
  // Any value works as long as both are equal (a decryption check); derive it so output is stable.
  const check = createHash("sha256").update(seed).digest().readUInt32BE(0);
  let priv = Buffer.concat([
    u32(check),
    u32(check),
    sshString("ssh-ed25519"),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(comment),
  ]);
  const pad = (8 - (priv.length % 8)) % 8;
  priv = Buffer.concat([priv, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0", "binary"),
    sshString("none"),
    sshString("none"),
    sshString(""),
    u32(1),
    sshString(blob),
    sshString(priv),
  ]);
  const b64 = body.toString("base64").replace(/(.{70})/g, "$1\n");
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64.replace(/\n$/, "")}\n-----END OPENSSH PRIVATE KEY-----\n`,
    publicKey: `ssh-ed25519 ${blob.toString("base64")}`,
  };
}
