/**
 * Pure transforms from the upstream render to what the platform deploys, one step a
 * file. Each takes a list of objects and returns a new list; input objects are never
 * mutated (changed objects are copies), so a caller may keep the upstream render for
 * comparison. prepareRelease runs them in order.
 */
export { ADMISSIONS_ENFORCER_ANNOTATION, admissionsEnforcer } from "./admissions-enforcer";
export { dropAggregatedRules } from "./aggregated-roles";
export { type CredentialSecret, configMapCredentials, defaultCredentials } from "./credentials";
export { dropDex, mentionsDex } from "./dex";
export { EXAMPLE_USER, dropExampleProfile, exampleUserProblems, isExampleProfileObject } from "./example-profile";
export { type HandOverResult, type Owners, handOver } from "./hand-over";
export { completeNamespaces } from "./namespaces";
export { type PrepareOptions, type Prepared, prepareRelease } from "./prepare";
export { REGISTRATION_FLOW_ENV, setRegistrationFlow } from "./registration-flow";
export { validateRequired } from "./required";
