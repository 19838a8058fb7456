"use strict";
// The program of toolchain/random/e2e/run.sh: the two resources the homelab program uses, with the
// options it (and the VM host keys to come) use.
const pulumi = require("@pulumi/pulumi");
const random = require("@pulumi/random");

const cfg = new pulumi.Config();
const pw = new random.RandomPassword("db", {
  length: Number(cfg.get("length") || "32"),
  special: false,
  keepers: { db: cfg.get("keeper") || "app" },
});
const bytes = new random.RandomBytes("tunnel", { length: 32 });

exports.password = pw.result;
exports.passwordId = pw.id;
exports.base64 = bytes.base64;
exports.hex = bytes.hex;
