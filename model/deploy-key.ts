/**
 * The deploy key's public half, derived inside the program from the private key (a secret), so that
 * validation can refuse an authorizedKeys list without it before anything is applied: the sshd unit
 * writes authorized_keys from that list, and a list without the deployer's key locks it out.
 *
 * Formats read are the ones the command provider's SSH client accepts (golang.org/x/crypto/ssh
 * ParsePrivateKey): OpenSSH's own `openssh-key-v1` container (OpenSSH PROTOCOL.key: magic,
 * ciphername, kdfname, kdfoptions, the number of keys, each public key in the clear, then the private
 * keys) and PEM (PKCS#1 RSA, SEC1 EC, PKCS#8), which node:crypto reads. Public keys are written in
 * the SSH wire format of RFC 4253 §6.6 (ssh-rsa), RFC 5656 §3.1 (ecdsa-sha2-*) and RFC 8709 §4
 * (ssh-ed25519). Nothing here returns or prints key material: problems name the key by its type
 * and its public fingerprint only.
 */
import { createHash, createPrivateKey, createPublicKey, KeyObject } from "node:crypto";

export interface PublicKey {
  readonly type: string;
  /** The public key blob (SSH wire format), as in an authorized_keys line after base64 decoding. */
  readonly blob: Buffer;
}

/** `SHA256:...` as `ssh-keygen -l` prints it (public information). */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

const FIX =
  "Set the deployer's unencrypted private key with `pulumi config set --secret homelab:deployPrivateKey < ~/.ssh/homelab_ed25519`.";

/** Reads SSH wire-format values (RFC 4251 §5) from a buffer; throws on a truncated buffer. */
class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  uint32(): number {
    if (this.at + 4 > this.buf.length) throw new Error("truncated");
    const v = this.buf.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }
  bytes(): Buffer {
    const n = this.uint32();
    if (this.at + n > this.buf.length) throw new Error("truncated");
    const v = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  raw(n: number): Buffer {
    if (this.at + n > this.buf.length) throw new Error("truncated");
    const v = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  get offset(): number {
    return this.at;
  }
  /** `n` bytes from `start`, without moving. */
  peek(start: number, n: number): Buffer {
    return this.buf.subarray(start, start + n);
  }
}

const sshString = (b: Buffer | string) => {
  const data = typeof b === "string" ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
};
/** An unsigned big-endian integer as an SSH mpint (no leading zeros, a 0 byte if the top bit is set). */
const mpint = (b: Buffer) => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return sshString(v[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
};

const MAGIC = Buffer.from("openssh-key-v1\0");
/** The PKCS#8 prefix of an Ed25519 private key (RFC 8410 §7), followed by the 32-byte seed. */
const ED25519_PKCS8 = Buffer.from("302e020100300506032b657004220420", "hex");

/** The public half of an OpenSSH-format private key, or why it cannot be used. */
function fromOpenSsh(body: Buffer): PublicKey | string {
  if (!body.subarray(0, MAGIC.length).equals(MAGIC)) return "is not an OpenSSH private key";
  const r = new Reader(body.subarray(MAGIC.length));
  const cipher = r.bytes().toString();
  r.bytes(); // kdfname
  r.bytes(); // kdfoptions
  const n = r.uint32();
  if (n !== 1) return `holds ${n} keys; expected exactly one`;
  const blob = Buffer.from(r.bytes());
  const type = new Reader(blob).bytes().toString();
  if (cipher !== "none") {
    return `(${type} ${fingerprint(blob)}) is encrypted with a passphrase; expected an unencrypted key (the deployer runs unattended and passes no passphrase)`;
  }
  // Unencrypted: the private half must belong to the public one the container announces.
  const priv = new Reader(r.bytes());
  if (priv.uint32() !== priv.uint32()) return "is corrupt (its check values differ)";
  const start = priv.offset;
  const privType = priv.bytes().toString();
  if (privType !== type)
    return `is corrupt (its private key is ${privType}, its public key ${type})`;
  if (type === "ssh-rsa") {
    const nMod = priv.bytes();
    const e = priv.bytes();
    // RSA's private key holds n before e; its public key e before n.
    if (!Buffer.concat([sshString(type), sshString(e), sshString(nMod)]).equals(blob)) {
      return "is corrupt (its private key does not match its public key)";
    }
  } else {
    // ssh-ed25519, ecdsa-sha2-*: the private key starts with the public key's fields.
    if (!priv.peek(start, blob.length).equals(blob)) {
      return "is corrupt (its private key does not match its public key)";
    }
    if (type === "ssh-ed25519") {
      const pub = priv.bytes();
      const seed = priv.bytes().subarray(0, 32);
      const derived = createPublicKey(
        createPrivateKey({
          key: Buffer.concat([ED25519_PKCS8, seed]),
          format: "der",
          type: "pkcs8",
        }),
      ).export({ format: "jwk" }).x;
      if (derived !== pub.toString("base64url")) {
        return "is corrupt (its Ed25519 seed does not give its public key)";
      }
    }
  }
  return { type, blob };
}

const EC_CURVES: Record<string, string> = {
  "P-256": "nistp256",
  "P-384": "nistp384",
  "P-521": "nistp521",
};

/** The public half of a PEM private key as read by node:crypto. */
function fromPem(text: string): PublicKey | string {
  let key: KeyObject;
  try {
    key = createPublicKey(createPrivateKey(text));
  } catch (e) {
    const code = (e as { code?: string }).code ?? "";
    if (/PASSPHRASE/.test(code) || /ENCRYPTED/.test(text)) {
      return "is encrypted with a passphrase; expected an unencrypted key (the deployer runs unattended and passes no passphrase)";
    }
    return "is not a private key node:crypto can read";
  }
  const jwk = key.export({ format: "jwk" });
  const b = (s: string | undefined) => Buffer.from(s ?? "", "base64url");
  if (jwk.kty === "RSA") {
    const blob = Buffer.concat([sshString("ssh-rsa"), mpint(b(jwk.e)), mpint(b(jwk.n))]);
    return { type: "ssh-rsa", blob };
  }
  if (jwk.kty === "EC" && jwk.crv && EC_CURVES[jwk.crv]) {
    const curve = EC_CURVES[jwk.crv]!;
    const point = Buffer.concat([Buffer.from([4]), b(jwk.x), b(jwk.y)]);
    const type = `ecdsa-sha2-${curve}`;
    return { type, blob: Buffer.concat([sshString(type), sshString(curve), sshString(point)]) };
  }
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") {
    return {
      type: "ssh-ed25519",
      blob: Buffer.concat([sshString("ssh-ed25519"), sshString(b(jwk.x))]),
    };
  }
  return `is a ${key.asymmetricKeyType ?? "unknown"} key; expected an Ed25519, ECDSA or RSA key`;
}

/** The public half of the deploy key, or a sentence saying why it cannot be used (no key material). */
export function deployPublicKey(privateKey: string): PublicKey | string {
  const text = privateKey.trim();
  const pem = /^-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)\r?\n-----END \1-----$/.exec(text);
  if (!pem) return "is not a PEM-armoured private key (-----BEGIN OPENSSH PRIVATE KEY----- ...)";
  try {
    if (pem[1] === "OPENSSH PRIVATE KEY") {
      return fromOpenSsh(Buffer.from(pem[2]!.replace(/\s+/g, ""), "base64"));
    }
    if (/^(RSA |EC |)PRIVATE KEY$|^ENCRYPTED PRIVATE KEY$/.test(pem[1]!)) return fromPem(text);
  } catch {
    return "is truncated or corrupt";
  }
  return `is a ${pem[1]}; expected an OpenSSH or PEM private key`;
}

/** The key blobs of authorized_keys lines (`type base64 comment`). */
function authorizedBlobs(lines: readonly string[]): Buffer[] {
  return lines.flatMap((l) => {
    const b64 = l.trim().split(/\s+/)[1];
    return b64 ? [Buffer.from(b64, "base64")] : [];
  });
}

/**
 * The problem with the deploy key, as a config path and a message, or undefined: it must be a key the
 * deployer can use, and its public half must be one of `authorizedKeys` (when they are known).
 */
export function deployKeyIssue(
  privateKey: string,
  authorizedKeys: readonly string[] | undefined,
): { path: string; message: string } | undefined {
  const pub = deployPublicKey(privateKey);
  if (typeof pub === "string") {
    return {
      path: "homelab:deployPrivateKey",
      message: `(secret, not shown) ${pub}. ${FIX}`,
    };
  }
  if (!authorizedKeys) return undefined;
  if (authorizedBlobs(authorizedKeys).some((b) => b.equals(pub.blob))) return undefined;
  return {
    path: "homelab:ssh.authorizedKeys",
    message: `does not hold the deploy key's public half (${pub.type} ${fingerprint(pub.blob)}, the key in homelab:deployPrivateKey); expected it among these keys, since authorized_keys on every host is written from this list and the deployer would lock itself out. Add the line \`ssh-keygen -y -f <deploy key file>\` prints to homelab:ssh.authorizedKeys.`,
  };
}
