import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";
import { AKS_SERVER_APP_ID, KUBELOGIN_USER, entraKubeconfig } from "../manifests/kubeconfig";
import { devicePluginDaemonSet } from "../manifests/gpu";
import { GPU_TAINT } from "../manifests/compute";

const USER_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: TU9DSw==
    server: https://kf.hcp.westeurope.azmk8s.io:443
  name: kf
contexts:
- context:
    cluster: kf
    user: clusterUser_rg_kf
  name: kf
current-context: kf
users:
- name: clusterUser_rg_kf
  user:
    exec:
      command: kubelogin
      args: [get-token, --login, devicecode, --server-id, ${AKS_SERVER_APP_ID}]
`;

interface Kubeconfig {
    clusters: { name: string; cluster: { server: string } }[];
    contexts: { name: string; context: { cluster: string; user: string } }[];
    "current-context": string;
    users: { name: string; user: { exec: { command: string; args: string[] } } }[];
}

describe("entraKubeconfig (kubelogin; AAD_LOGIN_METHOD overrides --login, Azure/kubelogin pkg/internal/token/options.go)", () => {
    it("keeps the cluster and context, and authenticates with kubelogin's azurecli mode against the AKS server app", () => {
        const out = yaml.load(entraKubeconfig(USER_KUBECONFIG)) as Kubeconfig;
        assert.deepEqual(
            out.clusters.map((c) => [c.name, c.cluster.server]),
            [["kf", "https://kf.hcp.westeurope.azmk8s.io:443"]],
        );
        assert.equal(out["current-context"], "kf");
        assert.deepEqual(
            out.contexts.map((c) => c.context),
            [{ cluster: "kf", user: KUBELOGIN_USER }],
        );
        assert.equal(out.users.length, 1);
        assert.equal(out.users[0].user.exec.command, "kubelogin");
        assert.deepEqual(out.users[0].user.exec.args, ["get-token", "--login", "azurecli", "--server-id", AKS_SERVER_APP_ID]);
    });

    it("refuses a kubeconfig without a cluster", () => {
        assert.throws(() => entraKubeconfig("apiVersion: v1\nkind: Config\nclusters: []\n"), /no cluster entry/);
    });
});

describe("the NVIDIA device plugin DaemonSet", () => {
    it("tolerates every taint of the GPU nodes and selects them by label", () => {
        const ds = devicePluginDaemonSet({ nodeLabel: { key: "pool", value: "gpu" }, taints: [GPU_TAINT] });
        const spec = (ds.spec as { template: { spec: { nodeSelector: unknown; tolerations: unknown[] } } }).template.spec;
        assert.deepEqual(spec.nodeSelector, { pool: "gpu" });
        assert.deepEqual(spec.tolerations, [
            { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
            { key: "sku", operator: "Equal", value: "gpu", effect: "NoSchedule" },
        ]);
    });
});
