"use strict";
// The program of toolchain/cloudflare/e2e/run.sh: what components/public-dns.ts does.
const pulumi = require("@pulumi/pulumi");
const cloudflare = require("@pulumi/cloudflare");
const random = require("@pulumi/random");

const cfg = new pulumi.Config();
const secret = new random.RandomPassword("tunnel-secret", { length: 48, special: false });
const tunnel = new cloudflare.ZeroTrustTunnelCloudflared("tunnel", {
  accountId: "0123456789abcdef0123456789abcdef",
  name: "home.arpa-homelab",
  tunnelSecret: secret.result.apply((s) => Buffer.from(s).toString("base64")),
  configSrc: "cloudflare",
});
new cloudflare.ZeroTrustTunnelCloudflaredConfig("routes", {
  accountId: "0123456789abcdef0123456789abcdef",
  tunnelId: tunnel.id,
  config: {
    ingresses: [
      { hostname: "app.example.org", service: "http://10.0.20.5:8080" },
      { service: "http_status:404" },
    ],
  },
});
const token = cloudflare.getZeroTrustTunnelCloudflaredTokenOutput({
  accountId: "0123456789abcdef0123456789abcdef",
  tunnelId: tunnel.id,
});
new cloudflare.DnsRecord("www", {
  zoneId: "fedcba9876543210fedcba9876543210",
  name: "www.example.org",
  type: cfg.get("type") || "A",
  content: "203.0.113.7",
  proxied: true,
  ttl: 1,
  comment: "homelab-iac: service web via port-forward",
});
exports.tokenLength = token.token.apply((t) => t.length);
