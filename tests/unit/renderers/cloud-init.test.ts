import * as assert from "node:assert/strict";
import {
  renderCloudInitHostKeys,
  renderCloudInitNetwork,
  renderCloudInitUserData,
} from "../../../renderers/libvirt";
import { ed25519HostKey } from "../../../renderers/ssh-host-key";
import { homeLab } from "../../support/labs";
import { run, withTempFile } from "../../support/tools";

/**
 * The seed as Debian 12's own cloud-init (22.4, the Debian package: what a Debian 12 cloud image
 * runs) reads it: the user-data against its schema, the network config through its parser.
 */
const PARSE_NETWORK = `
import json, sys, yaml
from cloudinit.net.network_state import parse_net_config_data
ns = parse_net_config_data(yaml.safe_load(open(sys.argv[1])), skip_broken=False)
print(json.dumps([{"name": i["name"], "mac": i.get("mac_address"), "subnets": [
    {"address": s.get("address"), "prefix": s.get("prefix"), "routes": s.get("routes", []),
     "gateway": s.get("gateway"),
     "dns": s.get("dns_nameservers", [])} for s in i.get("subnets", [])]}
    for i in ns.iter_interfaces() if i["name"] != "lo"]))
`;

/** The same network config through cloud-init's ENI renderer: what a Debian 12 guest's ifupdown reads. */
const RENDER_ENI = `
import os, sys, tempfile, yaml
from cloudinit.net.network_state import parse_net_config_data
from cloudinit.net import eni
ns = parse_net_config_data(yaml.safe_load(open(sys.argv[1])), skip_broken=False)
d = tempfile.mkdtemp()
eni.Renderer({"eni_path": "interfaces", "netrules_path": None}).render_network_state(ns, target=d)
print(open(os.path.join(d, "interfaces")).read())
`;

describe("renderer: cloud-init seed, read by the real cloud-init", function () {
  this.timeout(60000);
  const lab = homeLab();
  const debianVms = lab.hypervisors.flatMap((h) => h.vms).filter((v) => v.machine.os === "debian");

  it("user-data with the generated host key passes cloud-init's schema", () => {
    for (const vm of debianVms) {
      const doc =
        renderCloudInitUserData(lab, vm) +
        renderCloudInitHostKeys(ed25519HostKey(Buffer.alloc(32, 3), `root@${vm.name}`));
      const r = withTempFile(doc, "user-data", (f) =>
        run("cloud-init", ["schema", "--config-file", f]),
      );
      assert.equal(r.status, 0, `${vm.name}: ${r.output}`);
      assert.match(r.output, /Valid cloud-config/);
    }
  });

  it("network config gives each NIC its address and the default route via the zone gateway", () => {
    assert.ok(debianVms.length >= 2);
    for (const vm of debianVms) {
      const r = withTempFile(renderCloudInitNetwork(vm), "network-config", (f) =>
        withTempFile(PARSE_NETWORK, "parse.py", (py) => run("/usr/bin/python3", [py, f])),
      );
      assert.equal(r.status, 0, `${vm.name}: ${r.output}`);
      const ifaces = JSON.parse(r.output) as {
        name: string;
        mac: string;
        subnets: {
          address: string;
          prefix: number;
          routes: { network: string; gateway: string }[];
          gateway: string;
        }[];
      }[];
      const nic = vm.machine.interfaces[0]!;
      const eth0 = ifaces.find((i) => i.name === nic.name)!;
      assert.equal(eth0.mac, nic.mac, vm.name);
      assert.equal(eth0.subnets[0]!.address, nic.address, vm.name);
      assert.deepEqual(
        eth0.subnets[0]!.routes.map((x) => `${x.network} via ${x.gateway}`),
        [],
        vm.name,
      );
      assert.equal(eth0.subnets[0]!.gateway, nic.gateway, vm.name);
    }
  });

  it("ifupdown gets the default route as the stanza's gateway, never a net-tools `route` command", () => {
    for (const vm of debianVms) {
      const r = withTempFile(renderCloudInitNetwork(vm), "network-config", (f) =>
        withTempFile(RENDER_ENI, "eni.py", (py) => run("/usr/bin/python3", [py, f])),
      );
      assert.equal(r.status, 0, `${vm.name}: ${r.output}`);
      const nic = vm.machine.interfaces[0]!;
      const stanza = r.output.split(`iface ${nic.name} inet static`)[1]!.split("\niface ")[0]!;
      assert.match(
        stanza,
        new RegExp(`^ {4}address ${nic.cidrAddress.replace(/\./g, "\\.")}$`, "m"),
      );
      assert.match(stanza, new RegExp(`^ {4}gateway ${nic.gateway!.replace(/\./g, "\\.")}$`, "m"));
      // Debian's minimal images have no net-tools: a `route add` here fails silently (`|| true`).
      assert.doesNotMatch(r.output, /\broute (add|del)\b/, vm.name);
    }
  });
});
