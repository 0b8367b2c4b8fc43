import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import * as random from "@pulumi/random";
import { AZURE_CLI_APP_ID, TOKEN_EXCHANGE_AUDIENCE } from "../manifests/authservice";

/**
 * Microsoft Graph and its delegated permission (scope) ids: fixed for every tenant,
 * published in Microsoft's "Microsoft Graph permissions reference" (learn.microsoft.com,
 * graph/permissions-reference, column Identifier of each delegated permission).
 */
export const MICROSOFT_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
export const GRAPH_SCOPES = {
    openid: "37f7f235-527c-4136-accd-4a02d197296e",
    profile: "14dad69e-099b-42c9-810b-d002981feec1",
    email: "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0",
    // oauth2-proxy asks for it (a refresh token keeps the session past the one-hour ID
    // token); a scope requested but not declared is one more consent prompt.
    offline_access: "7427e0e9-2fba-42fe-b0c0-848c9e6a8182",
    "User.Read": "e1fe6dd8-ba31-4d61-89e7-88639da4683d",
} as const;
export { AZURE_CLI_APP_ID };
/** The "default access" app role, used to assign groups when sign-in is restricted. */
export const DEFAULT_ACCESS_ROLE_ID = "00000000-0000-0000-0000-000000000000";

/** How the authservice authenticates to Entra, and so which credential the app carries. */
export type EntraAppCredential =
    | {
          readonly kind: "client-secret";
          /** RFC 3339 end of validity: fixed by configuration, so no preview ever sees it change. */
          readonly endDate: string;
          /** Changing this label issues a new client secret. */
          readonly rotation: string;
      }
    | {
          readonly kind: "workload-identity";
          /** The cluster's OIDC issuer URL (`AksCluster.oidcIssuerUrl`). */
          readonly issuer: pulumi.Input<string>;
          /** The `sub` of the authservice's service account token. */
          readonly subject: string;
      };

export interface EntraAppArgs {
    /** Display name of the app registration. */
    readonly displayName: string;
    /**
     * Web redirect URIs on the public host: the authservice callback, and the page Entra's
     * sign-out returns to (post_logout_redirect_uri must be one of them). `web.logoutUrl`
     * stays unset: it is the front-channel URL Entra loads in a hidden frame when the user
     * signs out of another app, where the authservice's Lax session cookie is not sent.
     */
    readonly redirectUris: readonly string[];
    /** Public home page of the deployment. */
    readonly homepageUrl: string;
    /** Object ids of further owners; the deploying identity is always an owner too. */
    readonly owners: readonly string[];
    /** The deploying identity's object id; unset: azuread's view of whoever runs pulumi. */
    readonly deployerObjectId?: string;
    /** Entra groups whose members may sign in; empty: every user of the tenant. */
    readonly allowedGroupIds: readonly string[];
    /** Client secret, or a federated identity credential for the authservice's pods. */
    readonly credential: EntraAppCredential;
    /** Protect the registration against deletion (production). */
    readonly protect: boolean;
}

/**
 * The owners the app and its service principal get: the deploying identity (so it can
 * keep managing them, with only Application.ReadWrite.OwnedBy if it is a CI identity)
 * and the configured ones, each once, in a stable order, so that a run by another
 * identity adds itself instead of removing the others.
 */
export function ownersWith(deployer: string, owners: readonly string[]): string[] {
    return [...new Set([deployer, ...owners].map((o) => o.toLowerCase()))].sort();
}

/**
 * The Entra ID application the authservice signs users in with: registration, service
 * principal, and a client secret or a federated identity credential. Tokens are v2
 * (issuer `https://login.microsoftonline.com/<tenant>/v2.0`), so browser sessions and
 * the bearer tokens of the KFP SDK carry the same issuer.
 */
export class EntraApp extends pulumi.ComponentResource {
    public readonly clientId: pulumi.Output<string>;
    /** The application's object id (the `/applications/<id>` resource id form). */
    public readonly applicationId: pulumi.Output<string>;
    public readonly servicePrincipalObjectId: pulumi.Output<string>;
    /** Client secret (a Pulumi secret); undefined with workload identity. */
    public readonly clientSecret?: pulumi.Output<string>;
    public readonly clientSecretEndDate?: pulumi.Output<string>;
    /** `api://<clientId>/user_impersonation`: the scope a bearer token for the KFP SDK is requested for. */
    public readonly apiScope: pulumi.Output<string>;

    constructor(name: string, args: EntraAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubeflow-azure:azure:EntraApp", name, {}, opts);
        const child = { parent: this };

        // azuread's own view of who runs the deployment (not azure-native's): the identity
        // that will call Graph for every child below.
        const deployerId = args.deployerObjectId !== undefined ? pulumi.output(args.deployerObjectId) : azuread.getClientConfigOutput(child).objectId;
        const owners = deployerId.apply((id) => ownersWith(id, args.owners));

        const app = new azuread.Application(
            `${name}-app`,
            {
                displayName: args.displayName,
                signInAudience: "AzureADMyOrg",
                owners,
                web: {
                    homepageUrl: args.homepageUrl,
                    redirectUris: [...args.redirectUris],
                    implicitGrant: { accessTokenIssuanceEnabled: false, idTokenIssuanceEnabled: false },
                },
                // `email` reaches a token only for accounts with a mail attribute (Microsoft
                // identity platform, "optional claims reference"): asked for where there is
                // one, for the sign-ins configured with userIdClaim email.
                // `idtyp` is `app` in app-only access tokens for this app (optional claims
                // reference: "only in app-only access tokens"): the gateway refuses them by
                // it (manifests/authservice/token-kinds.ts).
                optionalClaims: {
                    idTokens: [{ name: "email", essential: false }],
                    accessTokens: [
                        { name: "email", essential: false },
                        { name: "idtyp", essential: false },
                    ],
                },
                groupMembershipClaims: ["None"],
                api: { requestedAccessTokenVersion: 2 },
                requiredResourceAccesses: [
                    {
                        resourceAppId: MICROSOFT_GRAPH_APP_ID,
                        resourceAccesses: Object.values(GRAPH_SCOPES).map((id) => ({ id, type: "Scope" })),
                    },
                ],
                preventDuplicateNames: true,
            },
            {
                parent: this,
                protect: args.protect,
                // ApplicationIdentifierUri and ApplicationPermissionScope below own these two
                // properties; without ignoring them, every update of the app (and every refresh
                // in CI) sends them empty and erases the API surface (azuread docs of both
                // resources: "use the ignoreChanges lifecycle meta-argument";
                // pulumi/pulumi-azuread issues 1036 and 1169).
                ignoreChanges: ["identifierUris", "api.oauth2PermissionScopes"],
            },
        );

        // The API surface for bearer tokens (KFP SDK): api://<clientId>/user_impersonation,
        // pre-authorized for the Azure CLI so no consent prompt is needed.
        const identifierUri = new azuread.ApplicationIdentifierUri(
            `${name}-uri`,
            {
                applicationId: app.id,
                identifierUri: pulumi.interpolate`api://${app.clientId}`,
            },
            child,
        );
        const scopeId = new random.RandomUuid(`${name}-scope-id`, {}, child);
        const scope = new azuread.ApplicationPermissionScope(
            `${name}-scope`,
            {
                applicationId: app.id,
                scopeId: scopeId.result,
                value: "user_impersonation",
                type: "User",
                adminConsentDisplayName: "Access Kubeflow",
                adminConsentDescription: "Call the Kubeflow APIs (pipelines, notebooks) as the signed-in user.",
                userConsentDisplayName: "Access Kubeflow",
                userConsentDescription: "Call the Kubeflow APIs as you.",
            },
            child,
        );
        new azuread.ApplicationPreAuthorized(
            `${name}-azure-cli`,
            {
                applicationId: app.id,
                authorizedClientId: AZURE_CLI_APP_ID,
                permissionIds: [scopeId.result],
            },
            { parent: this, dependsOn: [scope] },
        );

        const restricted = args.allowedGroupIds.length > 0;
        const sp = new azuread.ServicePrincipal(
            `${name}-sp`,
            {
                clientId: app.clientId,
                // With groups given, Entra itself refuses users outside them.
                appRoleAssignmentRequired: restricted,
                owners,
            },
            child,
        );
        for (const groupId of args.allowedGroupIds) {
            new azuread.AppRoleAssignment(
                `${name}-group-${groupId}`,
                {
                    appRoleId: DEFAULT_ACCESS_ROLE_ID,
                    principalObjectId: groupId,
                    resourceObjectId: sp.objectId,
                },
                child,
            );
        }
        if (restricted) {
            // An app that requires assignment gets no user consent: Entra asks every first
            // user for admin approval, even where users may consent. Consent for the whole
            // tenant (no userObjectId: "consented for all users"), for exactly the scopes
            // the authservice asks for.
            const graph = azuread.getServicePrincipalOutput({ clientId: MICROSOFT_GRAPH_APP_ID }, child);
            new azuread.ServicePrincipalDelegatedPermissionGrant(
                `${name}-graph-consent`,
                {
                    servicePrincipalObjectId: sp.objectId,
                    resourceServicePrincipalObjectId: graph.objectId,
                    claimValues: Object.keys(GRAPH_SCOPES),
                },
                child,
            );
        }

        if (args.credential.kind === "client-secret") {
            // A new password is created before the old one is deleted, so a rotation never
            // leaves the authservice without a valid secret. endDate is a fixed input:
            // endDateRelative (deprecated in azuread v6) is resolved anew on every plan.
            const password = new azuread.ApplicationPassword(
                `${name}-secret`,
                {
                    applicationId: app.id,
                    displayName: `kubeflow-azure (rotation ${args.credential.rotation})`,
                    endDate: args.credential.endDate,
                    rotateWhenChanged: { rotation: args.credential.rotation },
                },
                { parent: this, additionalSecretOutputs: ["value"] },
            );
            this.clientSecret = pulumi.secret(password.value);
            this.clientSecretEndDate = password.endDate;
        } else {
            // The authservice's pods present their service account token, which AKS's
            // issuer signs, instead of a secret (Microsoft identity platform, "workload
            // identity federation"; the audience is the token exchange's fixed one).
            new azuread.ApplicationFederatedIdentityCredential(
                `${name}-federated`,
                {
                    applicationId: app.id,
                    displayName: "kubeflow-authservice",
                    description: "The Kubeflow authservice's service account on the AKS cluster",
                    issuer: args.credential.issuer,
                    subject: args.credential.subject,
                    audiences: [TOKEN_EXCHANGE_AUDIENCE],
                },
                child,
            );
        }

        this.clientId = app.clientId;
        this.applicationId = app.id;
        this.servicePrincipalObjectId = sp.objectId;
        this.apiScope = pulumi.interpolate`${identifierUri.identifierUri}/user_impersonation`;
        this.registerOutputs({
            clientId: this.clientId,
            servicePrincipalObjectId: this.servicePrincipalObjectId,
            clientSecret: this.clientSecret,
            clientSecretEndDate: this.clientSecretEndDate,
            apiScope: this.apiScope,
        });
    }
}
