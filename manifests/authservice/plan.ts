/**
 * What the Authservice component deploys, decided once before any resource exists:
 * the rewrite of the hand-over with every value known then (host name, user claim,
 * Secret). The Entra ids and the cluster issuer are outputs: the component binds them
 * into the planned objects when they resolve (`bindAuthservice`), which edits only the
 * fields that hold them, digests the configuration and adds the ACME exemption.
 */
import { ACME_CHALLENGE_PREFIX, exemptAcmeChallenge } from "../edge";
import { KubeObject } from "../types";
import { bindEntraIds, rewriteAuthservice } from "./configure";
import { sessionCookieName } from "./endpoints";
import { AuthBinding, AuthCredential, AuthFlavour, AuthSecretRef, EntraIds, UserIdClaim } from "./settings";

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
    /** Let ACME HTTP-01 challenges (Let's Encrypt) through without sign-in. */
    readonly acmeChallengeExempt?: boolean;
}

export interface AuthPlan {
    readonly flavour: AuthFlavour;
    readonly hostname: string;
    readonly userIdClaim: UserIdClaim;
    readonly secretName: string;
    readonly acmeChallengeExempt: boolean;
    /** The rewritten objects, all but the Entra ids (see `binding`) and the ACME exemption. No Secret is among them. */
    readonly objects: readonly KubeObject[];
    /** Where the ids go in `objects`. */
    readonly binding: AuthBinding;
    /** The Secret the rewritten workload reads, and the keys it reads from it. */
    readonly secret: AuthSecretRef;
    /** How the authservice authenticates to Entra: decides the app's credential. */
    readonly credential: AuthCredential;
    /** The session cookie name of the deployed configuration (README / KFP SDK). */
    readonly sessionCookieName: string;
}

/** Pod template annotation present while the ACME challenge path is exempt from sign-in. */
export const ACME_EXEMPT_ANNOTATION = "kubeflow-azure/acme-challenge-exempt";

/** Throws with every problem of the known inputs. */
export function planAuthservice(input: AuthPlanInput): AuthPlan {
    const rewritten = rewriteAuthservice(input.handed, input.flavour, input);
    return {
        flavour: input.flavour,
        hostname: input.hostname,
        userIdClaim: input.userIdClaim,
        secretName: input.secretName,
        acmeChallengeExempt: input.acmeChallengeExempt ?? false,
        objects: rewritten.objects,
        binding: rewritten.binding,
        secret: rewritten.secret,
        credential: rewritten.credential,
        sessionCookieName: sessionCookieName(input.flavour, rewritten.objects),
    };
}

/**
 * The planned objects with the ids in place and the given pod annotations, then, while
 * the exemption is on, the ACME challenge path let through without sign-in and a marker
 * on the pods (the configuration digest leaves the exemption out; the marker changes
 * the pod template, so the authservice re-reads its skip list). Pure; refuses ids that
 * are no ids.
 */
export function bindAuthservice(plan: AuthPlan, ids: EntraIds, podAnnotations: Readonly<Record<string, string>>): KubeObject[] {
    const annotations = plan.acmeChallengeExempt ? { ...podAnnotations, [ACME_EXEMPT_ANNOTATION]: ACME_CHALLENGE_PREFIX } : podAnnotations;
    const bound = bindEntraIds({ objects: [...plan.objects], binding: plan.binding, secret: plan.secret, credential: plan.credential }, ids, plan, annotations);
    return plan.acmeChallengeExempt ? bound.map(exemptAcmeChallenge) : bound;
}
