/**
 * Mitigations for Entra's large tokens and session cookies over the whole render.
 */
import { isRecord } from "../kube";
import { KubeObject } from "../types";
import { Container, podContainers } from "./objects";

/** The header-field limit Kubeflow upstream documents for gunicorn web apps behind Entra. */
export const GUNICORN_FIELD_LIMIT = 32000;

/**
 * Mitigations for Entra's large tokens and session cookies, as upstream documents
 * them (kubeflow/manifests common/oauth2-proxy "Known issues"), over the whole
 * render; objects they do not concern are returned unchanged:
 * - the Python (gunicorn) web apps get `--limit-request-field_size 32000` in
 *   GUNICORN_CMD_ARGS: gunicorn refuses any header field over 8190 bytes, and the
 *   Cookie header carrying an Entra session is larger;
 * - the metadata-grpc route drops the Cookie header: gRPC refuses request metadata
 *   beyond its limit ("received initial metadata size exceeds limit"), and the
 *   metadata service needs no cookie.
 */
export function mitigateLargeTokens(objects: readonly KubeObject[]): KubeObject[] {
    return objects.map((o) => {
        if (o.kind === "Deployment" && podContainers(o).some(isGunicornWebApp)) {
            const copy = structuredClone(o);
            for (const c of podContainers(copy).filter(isGunicornWebApp)) {
                const env = c.env ?? [];
                const current = env.find((e) => e.name === "GUNICORN_CMD_ARGS");
                const value = withFieldLimit(current?.value ?? "");
                c.env = current ? env.map((e) => (e === current ? { name: e.name, value } : e)) : [...env, { name: "GUNICORN_CMD_ARGS", value }];
            }
            return copy;
        }
        if (o.kind === "VirtualService" && isMetadataGrpcRoute(o)) {
            const copy = structuredClone(o);
            const spec = copy.spec as { http: Array<Record<string, unknown>> };
            for (const route of spec.http) {
                const headers = isRecord(route.headers) ? route.headers : {};
                const request = isRecord(headers.request) ? headers.request : {};
                const remove = Array.isArray(request.remove) ? (request.remove as unknown[]).map(String) : [];
                if (!remove.some((h) => h.toLowerCase() === "cookie")) {
                    remove.push("Cookie");
                }
                route.headers = { ...headers, request: { ...request, remove } };
            }
            return copy;
        }
        return o;
    });
}

// The Kubeflow CRUD web apps (jupyter, volumes, tensorboards) and the KServe models
// web app are Flask apps served by gunicorn; their containers are named *-web-app.
function isGunicornWebApp(c: Container): boolean {
    return /-web-app$/.test(c.name);
}

function withFieldLimit(args: string): string {
    const flag = /--limit-request-field[_-]size(?:=|\s+)(\d+)/;
    const m = flag.exec(args);
    if (m) {
        return Number(m[1]) === 0 || Number(m[1]) >= GUNICORN_FIELD_LIMIT ? args : args.replace(flag, `--limit-request-field_size ${GUNICORN_FIELD_LIMIT}`);
    }
    return `${args} --limit-request-field_size ${GUNICORN_FIELD_LIMIT}`.trim();
}

function isMetadataGrpcRoute(o: KubeObject): boolean {
    const http = isRecord(o.spec) && Array.isArray(o.spec.http) ? o.spec.http : [];
    return http.length > 0 && http.every((r) => isRecord(r)) && JSON.stringify(http).includes('"host":"metadata-envoy-service.');
}
