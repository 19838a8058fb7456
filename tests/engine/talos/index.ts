// Wiring only: the inventory from the stack config, and just its Talos cluster (no router or host is
// provisioned; the nodes are the talosctl stand-in's). For tests/e2e/talos-engine.e2e.ts.
import { TalosCluster } from "../../../components/talos-cluster";
import { adoptedTalosSecrets, loadLabFromStackConfig } from "../../../model/pulumi-config";

const lab = loadLabFromStackConfig();
const talos = lab.talos!;
const cluster = new TalosCluster(talos.clusterName, {
  lab,
  cluster: talos,
  vms: [],
  secrets: adoptedTalosSecrets(lab),
});

export const ready = cluster.ready;
export const kubeconfig = cluster.kubeconfig;
