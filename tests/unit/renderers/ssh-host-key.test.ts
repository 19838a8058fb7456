import * as assert from "node:assert/strict";
import { chmodSync } from "node:fs";
import { parse } from "yaml";
import { renderCloudInitHostKeys } from "../../../renderers/libvirt";
import { ed25519HostKey } from "../../../renderers/ssh-host-key";
import { run, withTempFile } from "../../support/tools";

/** RFC 8032 §7.1, TEST 1: secret key (seed) and its public key. */
const RFC8032_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const RFC8032_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

describe("renderer: generated SSH host keys (ed25519, openssh-key-v1)", () => {
  const seed = Buffer.from(RFC8032_SEED, "hex");
  const keys = ed25519HostKey(seed, "root@proxy1");

  it("derives the RFC 8032 public key from the seed, as an OpenSSH public key line", () => {
    const blob = Buffer.from(keys.publicKey.split(" ")[1]!, "base64");
    // string "ssh-ed25519", string pub (RFC 8709 §4)
    assert.equal(blob.readUInt32BE(0), 11);
    assert.equal(blob.subarray(4, 15).toString(), "ssh-ed25519");
    assert.equal(blob.readUInt32BE(15), 32);
    assert.equal(blob.subarray(19).toString("hex"), RFC8032_PUBLIC);
    assert.match(keys.publicKey, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]+=*$/);
  });

  it("is a private key file the real ssh-keygen reads, giving back the same public key", () => {
    const r = withTempFile(keys.privateKey, "ssh_host_ed25519_key", (f) => {
      chmodSync(f, 0o600);
      return run("ssh-keygen", ["-y", "-f", f]);
    });
    assert.equal(r.status, 0, r.output);
    assert.equal(r.output.trim(), `${keys.publicKey} root@proxy1`);
  });

  it("is a host key the real sshd loads (sshd -t with only this key)", () => {
    const r = withTempFile(keys.privateKey, "ssh_host_ed25519_key", (f) => {
      chmodSync(f, 0o600);
      return run("/usr/sbin/sshd", ["-t", "-f", "/dev/null", "-h", f]);
    });
    assert.equal(r.status, 0, r.output);
  });

  it("is stable for a seed and different for another", () => {
    assert.deepEqual(ed25519HostKey(seed, "root@proxy1"), keys);
    const other = ed25519HostKey(Buffer.alloc(32, 7), "root@proxy1");
    assert.notEqual(other.publicKey, keys.publicKey);
    assert.throws(() => ed25519HostKey(Buffer.alloc(16), "x"), /32 bytes, got 16/);
  });

  it("becomes the cloud-config part that gives the guest exactly this key and no other", () => {
    const cfg = parse(renderCloudInitHostKeys(keys)) as Record<string, unknown>;
    assert.deepEqual(cfg, {
      ssh_deletekeys: true,
      ssh_genkeytypes: ["ed25519"],
      ssh_keys: { ed25519_private: keys.privateKey, ed25519_public: keys.publicKey },
    });
  });
});
