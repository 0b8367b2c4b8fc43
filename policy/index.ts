/**
 * CrossGuard policy pack of kubeflow-azure. Run against a stack with
 * `pulumi preview --policy-pack policy` (or `pulumi up --policy-pack policy`) from the
 * project root, after `npm install` here. The rules are in rules.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { PolicyPack } from "@pulumi/policy";
import { kubeflowAzurePolicies } from "./policies";

new PolicyPack("kubeflow-azure", {
    description:
        "What a kubeflow-azure stack must keep: HTTPS on the Kubeflow gateway, one public load balancer, no credential in a ConfigMap, an AKS cluster with RBAC and workload identity, protected resources, sign-in restricted to groups and managed state backed up in production.",
    enforcementLevel: "mandatory",
    policies: kubeflowAzurePolicies(() => pulumi.getStack()),
});
