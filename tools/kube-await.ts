/**
 * The provider's `pulumi.com/waitFor` awaits, evaluated against a real API server.
 */
import { setTimeout as sleep } from "node:timers/promises";
import * as k8s from "@kubernetes/client-node";
import { isRecord } from "../manifests/kube";
import { WAIT_FOR } from "../manifests/platform";
import { KubeObject } from "../manifests/types";
import { objectHeader } from "./kube-units";

/**
 * Waits until a `pulumi.com/waitFor` value holds on the live object, as the provider
 * would (provider/pkg/metadata/overrides.go ReadyCondition): one condition or a JSON
 * array of them, all to hold; `condition=Type[=Status]` (Status defaults to True) or
 * `jsonpath={path}[=value]` (without a value: the path selects something).
 */
export async function awaitWaitFor(client: k8s.KubernetesObjectApi, o: KubeObject, waitFor: string, timeoutMs: number): Promise<void> {
    const conditions = waitFor.trim().startsWith("[") ? (JSON.parse(waitFor) as string[]) : [waitFor];
    const deadline = Date.now() + timeoutMs;
    // Each read of a CRD is the whole schema: poll gently (0.1 s, growing to 1 s).
    for (let pause = 100; ; pause = Math.min(pause * 1.5, 1000)) {
        const live = (await client.read(objectHeader(o))) as unknown as Record<string, unknown>;
        if (conditions.every((c) => waitForHolds(c, live))) {
            return;
        }
        if (Date.now() > deadline) {
            const status = isRecord(live.status) ? JSON.stringify(live.status).slice(0, 400) : "no status";
            throw new Error(`${WAIT_FOR} ${waitFor} did not hold after ${timeoutMs} ms (${status})`);
        }
        await sleep(pause);
    }
}

/** Whether one waitFor condition holds on an object. */
export function waitForHolds(condition: string, live: Record<string, unknown>): boolean {
    if (condition.startsWith("condition=")) {
        const [type, status = "True"] = condition.slice("condition=".length).split("=");
        const list = isRecord(live.status) && Array.isArray(live.status.conditions) ? live.status.conditions.filter(isRecord) : [];
        return list.some((c) => c.type === type && c.status === status);
    }
    const m = /^jsonpath=\{(.*)\}(?:=(.*))?$/.exec(condition);
    if (!m) {
        throw new Error(`${WAIT_FOR}: ${condition}: neither condition= nor jsonpath={...}`);
    }
    const found = selectPath(live, m[1]);
    return m[2] === undefined ? found.length > 0 : found.length > 0 && String(found[0]) === m[2];
}

/**
 * The values a JSONPath selects, for the subset the program's waitFor values use:
 * `.name` members, `[*]` and `[n]` elements, and `[?@=="literal"]` or
 * `[?@.member=="literal"]` filters (RFC 9535 syntax, which the provider's
 * theory/jsonpath parses).
 */
export function selectPath(root: unknown, path: string): unknown[] {
    let nodes: unknown[] = [root];
    const segment = /^(?:\.([A-Za-z0-9_-]+)|\[\*\]|\[(\d+)\]|\[\?@((?:\.[A-Za-z0-9_-]+)*)\s*==\s*"([^"]*)"\])/;
    let rest = path.trim();
    while (rest.length > 0) {
        const m = segment.exec(rest);
        if (!m) {
            throw new Error(`JSONPath ${path}: cannot read ${rest}`);
        }
        rest = rest.slice(m[0].length);
        const [token, member, index, filterPath, literal] = m;
        nodes = nodes.flatMap((n): unknown[] => {
            if (member !== undefined) {
                return isRecord(n) && member in n ? [n[member]] : [];
            }
            const items = Array.isArray(n) ? n : isRecord(n) && token === "[*]" ? Object.values(n) : [];
            if (token === "[*]") {
                return items;
            }
            if (index !== undefined) {
                return Array.isArray(n) && Number(index) < n.length ? [n[Number(index)]] : [];
            }
            return items.filter((item) => selectPath(item, filterPath ?? "").some((v) => v === literal));
        });
    }
    return nodes;
}
