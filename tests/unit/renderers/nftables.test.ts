import * as assert from "node:assert/strict";
import { portMatches, renderNftables } from "../../../renderers/nftables";
import { expectGolden } from "../../support/golden";
import { homeLab, insecureLab, validLab } from "../../support/labs";
import { run, withTempFile } from "../../support/tools";

/** nft -c in a private network namespace: validates against the kernel, changes nothing. */
function nftCheck(text: string) {
  return withTempFile(text, "nftables.conf", (file) =>
    run("unshare", ["--net", "nft", "-c", "-f", file]),
  );
}

describe("renderer: nftables", () => {
  it("renders the small lab by value: default drop, exactly the declared flows, NAT, one port-forward", () => {
    const lab = validLab("no-talos.yaml");
    const r = renderNftables(lab, lab.routers[0]!);
    const forward = r.text.slice(r.text.indexOf("chain forward"), r.text.indexOf("chain output"));
    assert.equal(
      forward,
      [
        "chain forward {",
        "    type filter hook forward priority filter; policy drop;",
        "    ct state established,related accept",
        "    ct state invalid drop",
        '    iifname "eth1.20" oifname "eth1.40" tcp dport 22 accept comment "flow 0: lan -> hyp"',
        '    iifname "eth1.20" oifname "eth1.30" tcp dport { 22, 443 } accept comment "flow 1: lan -> dmz"',
        '    iifname "eth1.40" oifname "eth1.30" tcp dport 22 accept comment "flow 2: hyp -> dmz"',
        '    iifname "eth1.30" oifname "eth1.20" ip daddr 10.20.0.5 tcp dport 2049 accept comment "flow 3: dmz -> lan (files)"',
        '    iifname "eth1.20" oifname "eth0" accept comment "flow 4: lan -> wan"',
        '    iifname "eth0" oifname "eth1.30" ip daddr 10.30.0.10 tcp dport 443 ct status dnat accept comment "port-forward tcp/443 -> service web"',
        '    counter drop comment "default deny between zones"',
        "  }",
        "",
        "  ",
      ].join("\n"),
    );
    assert.match(
      r.text,
      /^ {4}iifname "eth0" tcp dport 443 dnat ip to 10\.30\.0\.10:443 comment /m,
    );
    assert.match(r.text, /^ {4}oifname "eth0" masquerade /m);
    assert.match(
      r.text,
      /^ {4}iifname "eth1\.20" tcp dport 22 accept comment "SSH from zone lan"$/m,
    );
    assert.deepEqual(r.portForwards, [
      {
        protocol: "tcp",
        publicPort: 443,
        service: "web",
        targetAddress: "10.30.0.10",
        targetPort: 443,
        targetZone: "dmz",
      },
    ]);
    assert.equal(r.flows.length, 5);
  });

  it("matches ports per protocol", () => {
    assert.deepEqual(
      portMatches([
        { protocol: "tcp", from: 22, to: 22 },
        { protocol: "tcp", from: 8000, to: 8100 },
        { protocol: "udp", from: 53, to: 53 },
        { protocol: "icmp" },
      ]),
      ["tcp dport { 22, 8000-8100 }", "udp dport 53", "meta l4proto icmp"],
    );
    assert.deepEqual(portMatches([{ protocol: "any" }, { protocol: "tcp", from: 1, to: 1 }]), [""]);
  });

  it("accepts SSH on the out-of-band NIC when one is declared, and nowhere else", () => {
    const lab = homeLab([{ set: "homelab:routers.gw1.oobInterface", value: "oob0" }]);
    const text = renderNftables(lab, lab.routers[0]!).text;
    assert.equal(text.match(/tcp dport 22 accept comment "SSH/g)?.length, 2);
    assert.match(
      text,
      /iifname "oob0" tcp dport 22 accept comment "SSH from the out-of-band management network"/,
    );
    assert.doesNotMatch(text, /oifname "oob0"/);
  });

  it("renders the home router (golden) and the kernel accepts it (nft -c)", () => {
    const lab = homeLab();
    const text = renderNftables(lab, lab.routers[0]!).text;
    expectGolden("home/gw1-nftables.conf", text);
    const r = nftCheck(text);
    assert.equal(r.status, 0, r.output);
  });

  it("the kernel also accepts the rulesets of insecure-but-valid labs", () => {
    for (const f of ["dmz-to-hypervisors.yaml", "port-forward-to-internal.yaml"]) {
      const lab = insecureLab(f);
      const r = nftCheck(renderNftables(lab, lab.routers[0]!).text);
      assert.equal(r.status, 0, `${f}: ${r.output}`);
    }
  });

  it("is deterministic", () => {
    const lab = homeLab();
    assert.equal(
      renderNftables(lab, lab.routers[0]!).text,
      renderNftables(homeLab(), homeLab().routers[0]!).text,
    );
  });
});
