/**
 * The stack files as the CLI reads them (tools/stack-files.ts), and what only the tests
 * need on top: the values a team puts in place of a stack file's placeholders.
 */
export { CONTEXT, projectDir, projectFile, releaseConfig, stackConfig } from "../tools/stack-files";
export type { RawConfig } from "../tools/stack-files";

/**
 * What a team puts in place of a stack file's placeholders: Pulumi.prod.yaml is a
 * template whose documentation range and example.com contact are refused on purpose.
 */
export function templateValues(stack: string): Record<string, unknown> {
    return stack === "prod"
        ? {
              "kubeflow-azure:authorizedIpRanges": ["20.61.10.0/24"],
              "kubeflow-azure:allowedGroupIds": ["5c1f3b7e-2d4a-4e6b-8f0c-1a3e5b7d9f20"],
              "kubeflow-azure:tls": { issuer: "letsencrypt", email: "platform-team@contoso.com" },
          }
        : {};
}
