/**
 * What the Authservice component deploys, decided once before any resource exists from
 * the values known then: the hand-over, the host name and the user claim are checked
 * here; the Entra ids, which are outputs, are checked when the component's Output
 * resolves (the rewrite runs again there with them, and must name the same Secret).
 */
import { KubeObject } from "../types";
import { configureAuthservice } from "./configure";
import { sessionCookieName } from "./endpoints";
import { AuthCredential, AuthFlavour, AuthSecretRef, UserIdClaim } from "./settings";

export interface AuthPlanInput {
    readonly flavour: AuthFlavour;
    /** Upstream objects handed over by the platform (selected by isAuthserviceObject). */
    readonly handed: readonly KubeObject[];
    /** Public host name the site is served on. */
    readonly hostname: string;
    /** The claim that names the user, for the authservice and the gateway alike. */
    readonly userIdClaim: UserIdClaim;
    /** Name of the credential Secret the component creates. */
    readonly secretName: string;
}

export interface AuthPlan extends AuthPlanInput {
    /** The Secret the rewritten workload reads, and the keys it reads from it. */
    readonly secret: AuthSecretRef;
    /** How the authservice authenticates to Entra: decides the app's credential. */
    readonly credential: AuthCredential;
    /** The session cookie name of the deployed configuration (README / KFP SDK). */
    readonly sessionCookieName: string;
}

// Stands in for the Entra ids, which are outputs: neither the hand-over's checks nor the
// Secret's name and keys depend on them.
const PENDING_GUID = "00000000-0000-0000-0000-000000000000";

/** Throws with every problem of the known inputs. */
export function planAuthservice(input: AuthPlanInput): AuthPlan {
    const configured = configureAuthservice(input.handed, input.flavour, {
        tenantId: PENDING_GUID,
        clientId: PENDING_GUID,
        hostname: input.hostname,
        secretName: input.secretName,
        podAnnotations: {},
        userIdClaim: input.userIdClaim,
    });
    return {
        ...input,
        secret: configured.secret,
        credential: configured.credential,
        sessionCookieName: sessionCookieName(input.flavour, configured.objects),
    };
}
