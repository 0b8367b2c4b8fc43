import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import * as random from "@pulumi/random";

/** Microsoft Graph and its delegated permission (scope) ids: fixed, published by Microsoft. */
export const MICROSOFT_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
export const GRAPH_SCOPES = {
    openid: "37f7f235-527c-4136-accd-4a02d197296e",
    profile: "14dad69e-099b-42c9-810b-d002981feec1",
    email: "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0",
    "User.Read": "e1fe6dd8-ba31-4d61-89e7-88639da4683d",
} as const;
/** The Azure CLI's public client id: pre-authorized so `az account get-access-token` works for the KFP SDK. */
export const AZURE_CLI_APP_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
/** The "default access" app role, used to assign groups when sign-in is restricted. */
export const DEFAULT_ACCESS_ROLE_ID = "00000000-0000-0000-0000-000000000000";

export interface EntraAppArgs {
    /** Display name of the app registration. */
    readonly displayName: string;
    /** Web redirect URIs: exactly the authservice callback on the public host. */
    readonly redirectUris: readonly string[];
    /** Public home page of the deployment. */
    readonly homepageUrl: string;
    /** Object ids of the app's owners (the deploying identity, so it can keep managing it). */
    readonly owners: pulumi.Input<pulumi.Input<string>[]>;
    /** Entra groups whose members may sign in; empty: every user of the tenant. */
    readonly allowedGroupIds: readonly string[];
    /** Days the client secret stays valid. */
    readonly secretValidityDays: number;
    /** Changing this label issues a new client secret. */
    readonly secretRotation: string;
    /** Protect the registration against deletion (production). */
    readonly protect: boolean;
}

/**
 * The Entra ID application the authservice signs users in with: registration, service
 * principal and a client secret. Tokens are v2 (issuer
 * `https://login.microsoftonline.com/<tenant>/v2.0`), so browser sessions and the
 * bearer tokens of the KFP SDK carry the same issuer.
 */
export class EntraApp extends pulumi.ComponentResource {
    public readonly clientId: pulumi.Output<string>;
    /** The application's object id (the `/applications/<id>` resource id form). */
    public readonly applicationId: pulumi.Output<string>;
    public readonly servicePrincipalObjectId: pulumi.Output<string>;
    /** Client secret: a Pulumi secret. */
    public readonly clientSecret: pulumi.Output<string>;
    public readonly clientSecretEndDate: pulumi.Output<string>;
    /** `api://<clientId>/user_impersonation`: the scope a bearer token for the KFP SDK is requested for. */
    public readonly apiScope: pulumi.Output<string>;

    constructor(name: string, args: EntraAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubeflow-azure:azure:EntraApp", name, {}, opts);
        const child = { parent: this };

        const app = new azuread.Application(`${name}-app`, {
            displayName: args.displayName,
            signInAudience: "AzureADMyOrg",
            owners: args.owners,
            web: {
                homepageUrl: args.homepageUrl,
                redirectUris: [...args.redirectUris],
                implicitGrant: { accessTokenIssuanceEnabled: false, idTokenIssuanceEnabled: false },
            },
            // Users without a mail attribute still get an `email` claim (their UPN-based address).
            optionalClaims: {
                idTokens: [{ name: "email", essential: false }],
                accessTokens: [{ name: "email", essential: false }],
            },
            groupMembershipClaims: ["None"],
            api: { requestedAccessTokenVersion: 2 },
            requiredResourceAccesses: [{
                resourceAppId: MICROSOFT_GRAPH_APP_ID,
                resourceAccesses: Object.values(GRAPH_SCOPES).map((id) => ({ id, type: "Scope" })),
            }],
            preventDuplicateNames: true,
        }, { parent: this, protect: args.protect });

        // The API surface for bearer tokens (KFP SDK): api://<clientId>/user_impersonation,
        // pre-authorized for the Azure CLI so no consent prompt is needed.
        const identifierUri = new azuread.ApplicationIdentifierUri(`${name}-uri`, {
            applicationId: app.id,
            identifierUri: pulumi.interpolate`api://${app.clientId}`,
        }, child);
        const scopeId = new random.RandomUuid(`${name}-scope-id`, {}, child);
        const scope = new azuread.ApplicationPermissionScope(`${name}-scope`, {
            applicationId: app.id,
            scopeId: scopeId.result,
            value: "user_impersonation",
            type: "User",
            adminConsentDisplayName: "Access Kubeflow",
            adminConsentDescription: "Call the Kubeflow APIs (pipelines, notebooks) as the signed-in user.",
            userConsentDisplayName: "Access Kubeflow",
            userConsentDescription: "Call the Kubeflow APIs as you.",
        }, child);
        new azuread.ApplicationPreAuthorized(`${name}-azure-cli`, {
            applicationId: app.id,
            authorizedClientId: AZURE_CLI_APP_ID,
            permissionIds: [scopeId.result],
        }, { parent: this, dependsOn: [scope] });

        const sp = new azuread.ServicePrincipal(`${name}-sp`, {
            clientId: app.clientId,
            // With groups given, Entra itself refuses users outside them.
            appRoleAssignmentRequired: args.allowedGroupIds.length > 0,
            owners: args.owners,
        }, child);
        for (const groupId of args.allowedGroupIds) {
            new azuread.AppRoleAssignment(`${name}-group-${groupId}`, {
                appRoleId: DEFAULT_ACCESS_ROLE_ID,
                principalObjectId: groupId,
                resourceObjectId: sp.objectId,
            }, child);
        }

        // A new password is created before the old one is deleted, so a rotation never
        // leaves the authservice without a valid secret.
        const password = new azuread.ApplicationPassword(`${name}-secret`, {
            applicationId: app.id,
            displayName: `kubeflow-azure (rotation ${args.secretRotation})`,
            endDateRelative: `${args.secretValidityDays * 24}h`,
            rotateWhenChanged: { rotation: args.secretRotation },
        }, { parent: this, additionalSecretOutputs: ["value"] });

        this.clientId = app.clientId;
        this.applicationId = app.id;
        this.servicePrincipalObjectId = sp.objectId;
        this.clientSecret = pulumi.secret(password.value);
        this.clientSecretEndDate = password.endDate;
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
