import * as assert from "node:assert/strict";
import { POLICIES } from "../../../policies/all";
import { evaluateStack, fromRecorded } from "../../support/policy-harness";
import { lines } from "../../support/policy-fixture";
import { insecureConfig, runProgram, validConfig } from "../../support/program";
import { corpus } from "../../support/corpus";
import { loadInventory } from "../../../model/load";

/** The real program (index.ts) under mocks, its recorded resources fed to the stack policies. */
async function judge(fixture: string, kind: "insecure" | "secure" = "insecure"): Promise<string[]> {
  const r = await runProgram(insecureConfig(fixture, kind));
  if (r.error) throw r.error;
  return lines(evaluateStack(POLICIES, fromRecorded(r.resources)).violations);
}

const findings = (ls: string[]) =>
  ls.map((l) => `${l.split(":")[0]} ${/\[finding (.*)\]$/.exec(l)?.[1] ?? "?"}`);

describe("policy pack on insecure variants of the home stack (intent records reach the policies)", function () {
  this.timeout(60000);

  it("password SSH on one host (the fix names the host's own setting)", async () => {
    assert.deepEqual(await judge("password-ssh.yaml"), [
      "ssh-no-password-auth/mandatory: sshd on vm edge (debian) accepts password logins (PasswordAuthentication yes). Fix: Remove passwordAuthentication: true from homelab:hypervisors.atlas.vms.edge.ssh.sshd. [finding sshd-password:edge]",
    ]);
  });

  it("a DMZ -> hypervisor flow (and the path it opens from internal through the DMZ resolver)", async () => {
    assert.deepEqual(await judge("dmz-to-hypervisors.yaml"), [
      "zone-isolation/mandatory: Zone dmz (dmz) can reach zone hypervisors (hypervisor): dmz -> hypervisors on tcp/22 to any address (router gw1). A compromised dmz machine could attack the hypervisors hosts. Fix: Remove the dmz -> hypervisors flow from homelab:flows (reverse it if hypervisors needs to reach dmz). [finding flow:dmz->hypervisors]",
      'zone-isolation/mandatory: Zone internal (internal) can reach zone hypervisors (hypervisor) in 2 hops: internal -> dmz on udp/53, tcp/53 to 192.168.30.7 (router gw1, "internal clients may query the DMZ resolver"); then dmz -> hypervisors on tcp/22 to any address (router gw1). Fix: Break the chain: remove or narrow one of these hops (usually the last one into hypervisors). [finding path:internal->hypervisors]',
    ]);
  });

  it("a port-forward to an internal host", async () => {
    assert.deepEqual(await judge("port-forward-to-internal.yaml"), [
      "dmz-only-ingress/mandatory: Port-forward tcp/3306 on router gw1 -> service mariadb at 10.0.20.5:3306 exposes zone internal (internal) to the internet; internet traffic must terminate in the DMZ. Fix: Forward to a DMZ reverse proxy instead (e.g. homelab:services.<proxy> in the dmz zone) and let it reach mariadb through a toService flow. [finding port-forward:gw1:tcp/3306]",
    ]);
  });

  it("a Cloudflare record to an internal address", async () => {
    assert.deepEqual(await judge("cloudflare-to-internal.yaml"), [
      "dmz-only-ingress/mandatory: Public DNS record www.example.com (A) points at internal address 10.0.20.50 in zone internal: it leaks the inside layout and is never the DMZ entry. Fix: Point www.example.com at the public address of the router that port-forwards to the DMZ (homelab:cloudflare.publicAddress); drop recordAddress. [finding dns-record:www.example.com]",
    ]);
  });

  it("a hypervisor with an address in the DMZ", async () => {
    assert.deepEqual(findings(await judge("hypervisor-in-dmz.yaml")), [
      "zone-isolation/mandatory hypervisor-address:atlas:dmz",
      "zone-isolation/mandatory path:internal->hypervisors",
    ]);
  });

  it("root login with a password allowed everywhere (the fix says the setting is the global one)", async () => {
    const out = await judge("root-login-yes.yaml");
    assert.equal(
      out[0],
      "ssh-root-login/mandatory: sshd on router gw1 (debian) has PermitRootLogin yes: root may log in with a password. Fix: Set permitRootLogin: prohibit-password in homelab:ssh.sshd (the global setting: gw1 has none of its own, and every host without one inherits it). Not no: the deployer logs in as root. [finding sshd-root:gw1]",
    );
    // Every SSH host, each once (the order is when each intent record registered: waves and VM
    // boots decide it, not the policy).
    assert.deepEqual(
      findings(out).sort(),
      ["atlas", "edge", "gw1", "hermes", "infra1", "iris", "jefke", "lewis"].map(
        (h) => `ssh-root-login/mandatory sshd-root:${h}`,
      ),
    );
  });

  it("a hypervisor managed from the DMZ, next to its guests", async () => {
    assert.deepEqual(await judge("hypervisor-managed-from-dmz.yaml"), [
      "zone-isolation/mandatory: Hypervisor atlas has its management address 192.168.30.2 in zone dmz (dmz), where guests live (edge, hermes): whoever controls a machine there reaches the hypervisor's management directly, and with it every guest. Fix: Move atlas's management address (homelab:hypervisors.atlas.zone and address) into a zone of its own with trust hypervisor, reachable from the management zone only. [finding hypervisor-zone:atlas]",
    ]);
  });

  it("a guest VM on the bridge of the hypervisors' own zone", async () => {
    assert.deepEqual(await judge("vm-on-hypervisor-bridge.yaml"), [
      "zone-isolation/mandatory: VM scratch has a NIC on br-hypervisors in zone hypervisors (hypervisor), where the management addresses of atlas, jefke, lewis are: a compromised guest sits inside the hypervisor zone without crossing the firewall. Fix: Put the NIC in a guest zone (homelab:hypervisors.atlas.vms.scratch.nics[0].zone) and drop zone hypervisors from the bridges of atlas. [finding vm-in-protected-zone:scratch:hypervisors]",
    ]);
  });

  it("the hypervisors' zone declared internal is judged by what lives in it", async () => {
    assert.deepEqual(await judge("hypervisor-zone-declared-internal.yaml"), [
      "zone-isolation/mandatory: Zone hypervisors is declared internal, but it holds the management addresses of hypervisors atlas, jefke, lewis: what lives in it makes it a hypervisor zone, and it is judged as one. Fix: Declare homelab:zones.hypervisors.trust: hypervisor, so that default deny and this policy protect it as such. [finding trust:hypervisors]",
    ]);
  });

  it("a flow over the whole port range to one host is broad", async () => {
    assert.deepEqual(await judge("full-port-range-flow.yaml"), [
      "zone-isolation/mandatory: Flow dmz -> internal on tcp/1-65535 to 10.0.20.5 (router gw1) lets lower-trust dmz (dmz) into higher-trust internal (internal) on tcp/1-65535, a range of 65535 ports. Fix: Narrow it: use toService (or toHost) and the service's ports. [finding broad:dmz->internal]",
    ]);
  });

  it("a narrow DMZ flow to a Talos node's API port (by the cluster's facts)", async () => {
    assert.deepEqual(await judge("dmz-flow-to-talos-api.yaml"), [
      "cluster-api-isolation/mandatory: Zone dmz (dmz) can reach the Talos API of cluster homelab (tcp/50000 on 10.0.20.11) in the more trusted zone internal: dmz -> internal on tcp/50000 to 10.0.20.11 (router gw1). Whoever controls a dmz machine can try the cluster's credentials there. Fix: Narrow the flow from dmz to internal so it leaves out tcp/50000 (it allows tcp/50000) or points at a service (toService), and manage the cluster from the management zone. [finding api-flow:dmz->internal:talos]",
    ]);
  });

  it("the tunnel's connector on an internal machine", async () => {
    assert.deepEqual(await judge("tunnel-connector-internal.yaml"), [
      "dmz-only-ingress/mandatory: The Cloudflare tunnel connector (cloudflared) runs on vm infra1 in zone internal (internal): internet traffic for blog.example.com enters the lab there, past the DMZ. Fix: Set homelab:cloudflare.tunnel.connector to a DMZ machine (edge, hermes); let it reach inside services through narrow flows. [finding tunnel-connector:infra1]",
    ]);
  });

  it("a port-forward to a service on a hypervisor: the fix moves it, never a DMZ -> hypervisor flow", async () => {
    assert.deepEqual(await judge("port-forward-to-hypervisor.yaml"), [
      "dmz-only-ingress/mandatory: Port-forward tcp/9100 on router gw1 -> service monitor at 192.168.40.2:9100 exposes zone hypervisors (hypervisor) to the internet; internet traffic must terminate in the DMZ. Fix: Move monitor off hypervisor atlas: run it in a VM in the DMZ (declare the VM under a hypervisor's vms and set homelab:services.monitor.runsOn.host to it). A DMZ reverse proxy could not reach it where it is, since zone-isolation blocks every flow from the DMZ into zone hypervisors (hypervisor). [finding port-forward:gw1:tcp/9100]",
      "hypervisor-minimal/advisory: Hypervisor atlas runs monitor itself. Fix: Move monitor into a VM on atlas. [finding services:atlas]",
    ]);
  });

  it("an image on a floating tag (advisory)", async () => {
    assert.deepEqual(await judge("image-floating-tag.yaml"), [
      "versions-pinned/advisory: Deployment test-workloads-website runs image nginx:stable, which floats (tag stable names no exact release). Fix: Pin a release tag with the full version (e.g. 1.27.3) or an @sha256 digest. [finding image:nginx:stable]",
    ]);
  });

  it("covers every insecure fixture", () => {
    const tested = [
      "cloudflare-to-internal.yaml",
      "dmz-flow-to-talos-api.yaml",
      "dmz-to-hypervisors.yaml",
      "full-port-range-flow.yaml",
      "hypervisor-in-dmz.yaml",
      "hypervisor-managed-from-dmz.yaml",
      "hypervisor-zone-declared-internal.yaml",
      "image-floating-tag.yaml",
      "password-ssh.yaml",
      "port-forward-to-hypervisor.yaml",
      "port-forward-to-internal.yaml",
      "root-login-yes.yaml",
      "tunnel-connector-internal.yaml",
      "vm-on-hypervisor-bridge.yaml",
    ];
    assert.deepEqual(
      corpus("insecure").map((c) => c.file),
      tested,
    );
  });
});

describe("policy pack on the same kinds of change done right (secure fixtures pass every policy)", function () {
  this.timeout(120000);
  for (const c of corpus("secure")) {
    it(`${c.file}: ${c.title}`, async () => {
      assert.deepEqual(loadInventory(c.raw).issues, []);
      assert.deepEqual(await judge(c.file, "secure"), []);
    });
  }
  it("a lab without Talos publishing a service on tcp/50000 (once blocked as the Talos API)", async () => {
    const r = await runProgram(validConfig("service-on-talos-port.yaml"));
    if (r.error) throw r.error;
    assert.deepEqual(lines(evaluateStack(POLICIES, fromRecorded(r.resources)).violations), []);
  });
});
