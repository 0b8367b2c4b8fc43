/**
 * A ClusterRole with an `aggregationRule` gets its `rules` from kube-controller-manager's
 * clusterrole-aggregation controller, which applies them under its own field manager
 * (kubernetes/kubernetes pkg/controller/clusterroleaggregation); the Kubernetes
 * documentation (Using RBAC Authorization, Aggregated ClusterRoles) says the control
 * plane overwrites any rules written into such a role. Upstream's roles carry `rules: []`:
 * applied as they are, the program would claim a field the controller owns, and the next
 * update of the role is refused with a field-manager conflict on `.rules` (shown on the
 * real API server after the controller filled the role, v1.8.1 -> v1.9.1, before this
 * step existed). Without the field, the program owns everything but the rules.
 */
import { KubeObject } from "../types";

export function dropAggregatedRules(objects: readonly KubeObject[]): KubeObject[] {
    return objects.map((o) => {
        if (o.kind !== "ClusterRole" || o.apiVersion !== "rbac.authorization.k8s.io/v1" || o.aggregationRule === undefined || !("rules" in o)) {
            return o;
        }
        const { rules: _rules, ...rest } = o;
        return rest;
    });
}
