/**
 * Credentials the upstream repository publishes: Secrets that carry them are handed
 * over for new values; a ConfigMap must never carry one.
 */
import { isKind, secretValues } from "../kube";
import { KubeObject, Problem, objectKey } from "../types";

export interface CredentialSecret {
    /** objectKey of the Secret. */
    key: string;
    namespace: string;
    name: string;
    /** Keys whose upstream value is a published default and must be replaced by a generated one. */
    generate: string[];
    /** Keys kept as upstream wrote them (identifiers such as a user name, or empty values). */
    keep: string[];
}

const SECRET_KEY_NAME = /pass|secret|key|token/i;

/**
 * The Secrets of the render that carry a credential value written in the upstream
 * repository (minio's "minio123", katib's MySQL root password, ...): any Secret with
 * a non-empty value under a secret-looking key. Secrets the render leaves empty
 * (certificates filled at runtime) and empty passwords are not listed: replacing an
 * empty password would lock out a server configured to accept it.
 */
export function defaultCredentials(objects: readonly KubeObject[]): CredentialSecret[] {
    const found: CredentialSecret[] = [];
    for (const o of objects) {
        if (!isKind(o, "", "Secret")) {
            continue;
        }
        const generate: string[] = [];
        const keep: string[] = [];
        for (const [k, v] of secretValues(o)) {
            (v !== "" && SECRET_KEY_NAME.test(k) ? generate : keep).push(k);
        }
        if (generate.length > 0) {
            found.push({ key: objectKey(o), namespace: o.metadata.namespace ?? "", name: o.metadata.name, generate, keep });
        }
    }
    return found;
}

/** Values published in upstream docs and manifests that must never reach a ConfigMap. */
const KNOWN_DEFAULT_VALUES = ["minio123", "12341234"];
const PASSWORD_HASH = /\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}/;

/** ConfigMaps that carry a credential (a known default value or a password hash). */
export function configMapCredentials(objects: readonly KubeObject[]): Problem[] {
    const problems: Problem[] = [];
    for (const o of objects) {
        if (!isKind(o, "", "ConfigMap")) {
            continue;
        }
        const text = JSON.stringify(o.data ?? {}) + JSON.stringify(o.binaryData ?? {});
        const value = KNOWN_DEFAULT_VALUES.find((v) => text.includes(v)) ?? (PASSWORD_HASH.test(text) ? "password hash" : undefined);
        if (value) {
            problems.push({ where: objectKey(o), value, rule: "credentials belong in a Secret, never in a ConfigMap" });
        }
    }
    return problems;
}
