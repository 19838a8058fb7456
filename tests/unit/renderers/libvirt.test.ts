import * as assert from "node:assert/strict";
import {
  domainUuid,
  renderCloudInitNetwork,
  renderCloudInitUserData,
  renderDomainXml,
} from "../../../renderers/libvirt";
import { expectGolden } from "../../support/golden";
import { homeLab } from "../../support/labs";
import { run, withTempFile } from "../../support/tools";

describe("renderer: libvirt domain", () => {
  const lab = homeLab();
  const atlas = lab.hypervisors.find((h) => h.name === "atlas")!;
  const hermes = atlas.vms.find((v) => v.name === "hermes")!;
  const cp1 = atlas.vms.find((v) => v.name === "talos-cp1")!;

  it("puts each NIC on its zone's bridge with a named tap, and the disk from the image", () => {
    const xml = renderDomainXml(hermes);
    expectGolden("home/hermes-domain.xml", xml);
    assert.match(xml, /<source bridge='br-dmz'\/>\n {6}<target dev='vn-hermes-0'\/>/);
    assert.match(xml, /<mac address='ca:fe:c0:ff:ee:07'\/>/);
    assert.match(xml, /<memory unit='MiB'>1024<\/memory>/);
    assert.match(xml, /<source file='\/var\/lib\/libvirt\/images\/hermes-seed\.iso'\/>/);
  });

  it("gives Talos guests no cloud-init seed", () => {
    const xml = renderDomainXml(cp1);
    assert.doesNotMatch(xml, /seed\.iso/);
    assert.match(xml, /<source bridge='br-internal'\/>/);
  });

  it("is well-formed XML (xmllint) for every VM of the home lab", () => {
    for (const h of lab.hypervisors) {
      for (const vm of h.vms) {
        const r = withTempFile(renderDomainXml(vm), "domain.xml", (f) =>
          run("xmllint", ["--noout", f]),
        );
        assert.equal(r.status, 0, `${vm.name}: ${r.output}`);
      }
    }
  });

  it("keeps a VM's UUID stable across renders and distinct across VMs", () => {
    assert.equal(
      domainUuid(hermes),
      domainUuid(homeLab().hypervisors[0]!.vms.find((v) => v.name === "hermes")!),
    );
    assert.notEqual(domainUuid(hermes), domainUuid(cp1));
    assert.match(
      domainUuid(hermes),
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it("seeds Debian guests with keys only and a static network", () => {
    const user = renderCloudInitUserData(lab, hermes);
    assert.match(user, /^#cloud-config\n/);
    assert.match(user, /^ssh_pwauth: false$/m);
    assert.match(
      user,
      /^ {6}- "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMmQBbL9XV2\+y3UtdRXlCdvoj8SBcR6XDpmXwfzNTTuW admin@workstation"$/m,
    );
    assert.equal(
      renderCloudInitNetwork(hermes),
      [
        "version: 2",
        "ethernets:",
        "  eth0:",
        '    match: { macaddress: "ca:fe:c0:ff:ee:07" }',
        "    set-name: eth0",
        "    addresses: [192.168.30.7/24]",
        "    gateway4: 192.168.30.1",
        "    nameservers: { addresses: [192.168.30.1] }",
        "",
      ].join("\n"),
    );
  });
});
