import * as assert from "node:assert/strict";
import { POLICIES } from "../../../policies/all";
import { evaluateStack, fromRecorded } from "../../support/policy-harness";
import { lines } from "../../support/policy-fixture";
import { insecureConfig, runProgram } from "../../support/program";

/** The real program (index.ts) under mocks, its recorded resources fed to the stack policies. */
async function judge(fixture: string): Promise<string[]> {
  const r = await runProgram(insecureConfig(fixture));
  if (r.error) throw r.error;
  return lines(evaluateStack(POLICIES, fromRecorded(r.resources)).violations);
}

const findings = (ls: string[]) =>
  ls.map((l) => `${l.split(":")[0]} ${/\[finding (.*)\]$/.exec(l)?.[1] ?? "?"}`);

describe("policy pack on insecure variants of the home stack (intent records reach the policies)", function () {
  this.timeout(60000);

  it("password SSH on one host", async () => {
    assert.deepEqual(await judge("password-ssh.yaml"), [
      "ssh-no-password-auth/mandatory: sshd on vm edge (debian) accepts password logins (PasswordAuthentication yes). Fix: Remove passwordAuthentication: true from edge's ssh.sshd (or homelab:ssh.sshd). [finding sshd-password:edge]",
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

  it("root login with a password allowed everywhere", async () => {
    assert.deepEqual(findings(await judge("root-login-yes.yaml")), [
      "ssh-root-login/mandatory sshd-root:gw1",
      "ssh-root-login/mandatory sshd-root:atlas",
      "ssh-root-login/mandatory sshd-root:jefke",
      "ssh-root-login/mandatory sshd-root:lewis",
      // machine intents are recorded once their SSH unit applied: hosts before VMs' guests
      "ssh-root-login/mandatory sshd-root:iris",
      "ssh-root-login/mandatory sshd-root:infra1",
      "ssh-root-login/mandatory sshd-root:edge",
      "ssh-root-login/mandatory sshd-root:hermes",
    ]);
  });
});
