import type { Release } from "../catalog";
import { isKind } from "../kube";
import { KubeObject, Problem, formatProblems } from "../types";

interface Requirement {
    what: string;
    why: string;
    matches(o: KubeObject): boolean;
}

function requirements(authservice: Release["authservice"]): Requirement[] {
    const common: Requirement[] = [
        {
            what: "Service istio-system/istio-ingressgateway",
            why: "the public endpoint is its LoadBalancer",
            matches: (o) => isKind(o, "", "Service", "istio-system", "istio-ingressgateway"),
        },
        {
            what: "Gateway kubeflow/kubeflow-gateway",
            why: "serves HTTPS for every Kubeflow route",
            matches: (o) => isKind(o, "networking.istio.io", "Gateway", "kubeflow", "kubeflow-gateway"),
        },
        {
            what: "Deployment istio-system/istiod",
            why: "injects sidecars and is awaited before injected workloads",
            matches: (o) => isKind(o, "apps", "Deployment", "istio-system", "istiod"),
        },
        {
            what: "Deployment cert-manager/cert-manager-webhook",
            why: "admits the certificates",
            matches: (o) => isKind(o, "apps", "Deployment", "cert-manager", "cert-manager-webhook"),
        },
        {
            what: "ClusterIssuer kubeflow-self-signing-issuer",
            why: "issues the public certificate when ACME is off",
            matches: (o) => isKind(o, "cert-manager.io", "ClusterIssuer", undefined, "kubeflow-self-signing-issuer"),
        },
    ];
    const auth: Requirement[] =
        authservice === "oauth2-proxy"
            ? [
                  {
                      what: "Deployment oauth2-proxy/oauth2-proxy",
                      why: "the authservice of this release",
                      matches: (o) => isKind(o, "apps", "Deployment", "oauth2-proxy", "oauth2-proxy"),
                  },
                  {
                      what: "ConfigMap oauth2-proxy/oauth2-proxy-*",
                      why: "the authservice configuration to patch for Entra ID",
                      matches: (o) => isKind(o, "", "ConfigMap", "oauth2-proxy") && /^oauth2-proxy(-[a-z0-9]{10})?$/.test(o.metadata.name),
                  },
              ]
            : [
                  // v1.7 names it authservice, v1.8 oidc-authservice.
                  {
                      what: "StatefulSet istio-system/authservice or oidc-authservice",
                      why: "the authservice of this release",
                      matches: (o) => isKind(o, "apps", "StatefulSet", "istio-system") && /^(oidc-)?authservice$/.test(o.metadata.name),
                  },
                  {
                      what: "ConfigMap istio-system/oidc-authservice-parameters",
                      why: "the authservice configuration to patch for Entra ID",
                      matches: (o) => isKind(o, "", "ConfigMap", "istio-system", "oidc-authservice-parameters"),
                  },
              ];
    return [...common, ...auth];
}

/**
 * Checks that the render holds every object the program builds on, before anything
 * is created; every missing object is reported at once, naming the source (the
 * release, or the `manifests:` path of a local render).
 */
export function validateRequired(objects: readonly KubeObject[], release: Pick<Release, "id" | "authservice">, source: string = `release ${release.id}`): void {
    const problems: Problem[] = requirements(release.authservice)
        .filter((r) => !objects.some((o) => r.matches(o)))
        .map((r) => ({ where: source, value: `${r.what} is missing`, rule: `required: ${r.why}` }));
    if (problems.length > 0) {
        throw new Error(
            formatProblems(`${source}: the render lacks ${problems.length} object(s) the program needs (${release.authservice} flavour)`, problems),
        );
    }
}
