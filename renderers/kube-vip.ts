/**
 * The cluster's LoadBalancer implementation: kube-vip in ARP mode, as a DaemonSet on every node,
 * rendered from typed objects (nothing is fetched at preview). Its contract, from kube-vip's
 * DaemonSet documentation (https://kube-vip.io/docs/installation/daemonset/): started with
 * `manager`, `svc_enable=true` makes it watch Services of type LoadBalancer and announce the address
 * in `spec.loadBalancerIP` or the `kube-vip.io/loadbalancerIPs` annotation (here: one address of the
 * inventory's loadBalancerPool per service, validated); `vip_arp=true` announces by gratuitous ARP
 * on the nodes' L2 network; `cp_enable=false`: the API server VIP stays Talos's own
 * (Layer2VIPConfig). It runs with host networking and NET_ADMIN/NET_RAW; the RBAC is the one of
 * kube-vip's published rbac.yaml (services, their status, endpoints, endpointslices, nodes, leases).
 * Talos exempts kube-system from its default Pod Security enforcement, so it runs there. Pure.
 */

/** Pinned kube-vip release (versions-pinned sees it in the versions intent). */
export const KUBE_VIP_IMAGE = "ghcr.io/kube-vip/kube-vip:v0.8.9";
export const KUBE_VIP_NAMESPACE = "kube-system";
/** The annotation kube-vip reads a Service's address from. */
export const KUBE_VIP_ADDRESS_ANNOTATION = "kube-vip.io/loadbalancerIPs";

const labels = {
  "app.kubernetes.io/name": "kube-vip",
  "app.kubernetes.io/managed-by": "homelab-iac",
};

export const kubeVipClusterRole = {
  metadata: { name: "system:kube-vip-role", labels },
  rules: [
    { apiGroups: [""], resources: ["services/status"], verbs: ["update"] },
    {
      apiGroups: [""],
      resources: ["services", "endpoints"],
      verbs: ["list", "get", "watch", "update"],
    },
    { apiGroups: [""], resources: ["nodes"], verbs: ["list", "get", "watch", "update", "patch"] },
    {
      apiGroups: ["coordination.k8s.io"],
      resources: ["leases"],
      verbs: ["list", "get", "watch", "update", "create"],
    },
    {
      apiGroups: ["discovery.k8s.io"],
      resources: ["endpointslices"],
      verbs: ["list", "get", "watch", "update"],
    },
  ],
};

export function kubeVipDaemonSet(pool: { start: string; end: string }) {
  const env: Record<string, string> = {
    vip_arp: "true",
    cp_enable: "false",
    svc_enable: "true",
    // One leader per service, so services spread over the nodes.
    svc_election: "true",
    vip_leaseduration: "5",
    vip_renewdeadline: "3",
    vip_retryperiod: "1",
  };
  return {
    metadata: {
      name: "kube-vip-ds",
      namespace: KUBE_VIP_NAMESPACE,
      labels,
      annotations: { "homelab.iac/pool": `${pool.start}-${pool.end}` },
    },
    spec: {
      selector: { matchLabels: { "app.kubernetes.io/name": "kube-vip" } },
      template: {
        metadata: { labels },
        spec: {
          hostNetwork: true,
          serviceAccountName: "kube-vip",
          tolerations: [{ operator: "Exists" }],
          containers: [
            {
              name: "kube-vip",
              image: KUBE_VIP_IMAGE,
              args: ["manager"],
              env: Object.entries(env).map(([name, value]) => ({ name, value })),
              securityContext: { capabilities: { add: ["NET_ADMIN", "NET_RAW"] } },
            },
          ],
        },
      },
    },
  };
}
