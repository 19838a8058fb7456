import * as assert from "node:assert/strict";
import { renderDnsmasq } from "../../../renderers/dnsmasq";
import { expectGolden } from "../../support/golden";
import { homeLab, validLab } from "../../support/labs";
import { run, withTempFile } from "../../support/tools";

describe("renderer: dnsmasq", () => {
  it("serves DHCP only inside, names for every machine, service aliases and split-horizon public names", () => {
    const lab = validLab("no-talos.yaml");
    const text = renderDnsmasq(lab, lab.routers[0]!);
    const lines = text.split("\n");
    assert.ok(lines.includes("except-interface=eth0"));
    assert.deepEqual(
      lines.filter((l) => l.startsWith("interface=")),
      ["interface=eth1.20", "interface=eth1.30", "interface=eth1.40"],
    );
    assert.ok(lines.includes("host-record=nfs1.home.arpa,10.20.0.5"), "alias of the share service");
    assert.ok(lines.includes("host-record=web.dmz.home.arpa,10.30.0.10"));
    assert.ok(
      lines.includes("host-record=www.example.org,10.30.0.10"),
      "split horizon for the public name",
    );
    assert.ok(
      lines.includes("dhcp-host=52:54:00:b1:1c:03,10.30.0.10,web") ||
        lines.some((l) => /^dhcp-host=52:54:00:[0-9a-f:]{8},10\.30\.0\.10,web$/.test(l)),
    );
  });

  it("renders the home router (golden) and dnsmasq --test accepts it", () => {
    const lab = homeLab();
    const text = renderDnsmasq(lab, lab.routers[0]!);
    expectGolden("home/gw1-dnsmasq.conf", text);
    const r = withTempFile(text, "homelab.conf", (file) =>
      run("dnsmasq", ["--test", `--conf-file=${file}`]),
    );
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /syntax check OK/);
  });
});
