/**
 * The rules a value must follow wherever it is read: config, the edge settings, the
 * profiles, the verify script. One rule each, so that no value is accepted by one
 * reader and refused by the next.
 */
import { isIP } from "node:net";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An RFC 1123 label: a-z, 0-9 and '-', neither first nor last, 1-63 characters. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The central dashboard refuses a contributor that does not match this (kubeflow/kubeflow
 * components/centraldashboard/app/api_workgroup.ts, v1.10.0: EMAIL_RGX, the WHATWG
 * valid e-mail address). Both user id claims Entra can supply, a UPN (preferred_username)
 * and an e-mail address, have this shape.
 */
const WHATWG_EMAIL = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/**
 * A path that reaches dex, as Istio and the authservices write it: `/dex`, `/dex/...`,
 * and Istio's prefix form `/dex*`.
 */
export const DEX_PATH = /^\/dex(\/|\*|$)/;

/** A GUID (Entra tenant, client and object ids), either case. */
export function isGuid(s: string): boolean {
    return GUID.test(s);
}

/** One label of a DNS name, lower case (a Kubernetes namespace name has this shape). */
export function isDnsLabel(s: string): boolean {
    return DNS_LABEL.test(s);
}

/** A lower-case DNS name, not necessarily qualified: labels separated by dots, 253 characters at most. */
export function isDnsName(s: string): boolean {
    return s.length > 0 && s.length <= 253 && s.split(".").every(isDnsLabel);
}

/**
 * A host name the sign-in redirect URI and a certificate can name: a lower-case DNS
 * name of at least two labels that is not an IP address.
 */
export function isHostName(s: string): boolean {
    return isIP(s) === 0 && isDnsName(s) && s.includes(".");
}

/**
 * A user id the central dashboard accepts (a UPN or an e-mail address): a config value
 * the dashboard itself would refuse could not be managed there later.
 */
export function isUserId(s: string): boolean {
    return WHATWG_EMAIL.test(s);
}

/** An e-mail address that can receive mail: a valid user id whose domain is qualified. */
export function isEmailAddress(s: string): boolean {
    return WHATWG_EMAIL.test(s) && s.slice(s.indexOf("@") + 1).includes(".");
}
