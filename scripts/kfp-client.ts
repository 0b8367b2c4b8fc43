/**
 * `npm run kfp-client -- --stack dev`: prints a ready `kfp.Client(...)` snippet for a
 * deployed stack, from its outputs (`pulumi stack output --json`; needs the Pulumi CLI
 * and access to the stack's state).
 */
import { execFileSync } from "node:child_process";
import { AuthFlavour, automationAudience, sessionCookieName } from "../manifests/authservice";
import { findRelease } from "../manifests/catalog";
import { caFetchCommand } from "../manifests/edge";
import { StackOutputs } from "../outputs";

export type ClientOutputs = Pick<StackOutputs, "kubeflowUrl" | "hostname" | "oidcClientId" | "kubeflowRelease"> &
    // Stacks deployed before the output existed were all self-signed or told so by the snippet's comment.
    Partial<Pick<StackOutputs, "tlsIssuer">>;

/**
 * What a client passes for the site's certificate: the self-signed CA's file, which
 * the snippet first fetches, or nothing for a publicly trusted certificate. A stack
 * without the output (deployed before it existed) gets both, as comments say.
 */
function trust(issuer: StackOutputs["tlsIssuer"] | undefined): { lines: string[]; argument: string } {
    if (issuer === "letsencrypt") {
        return { lines: ["# The certificate is Let's Encrypt's: Python trusts it as it is."], argument: "" };
    }
    if (issuer === "self-signed") {
        return {
            lines: ["# The certificate is self-signed (tls.issuer self-signed): trust it first:", `#   ${caFetchCommand()}`],
            argument: ', ssl_ca_cert="kubeflow-ca.crt"',
        };
    }
    return {
        lines: [
            "# With the self-signed certificate (tls.issuer self-signed), trust it first:",
            `#   ${caFetchCommand()}`,
            '# and pass ssl_ca_cert="kubeflow-ca.crt"; with letsencrypt, leave ssl_ca_cert out.',
        ],
        argument: ', ssl_ca_cert="kubeflow-ca.crt"',
    };
}

/**
 * The Python snippet for this deployment: a user's bearer token from the Azure CLI, on
 * every release, with the session cookie as the alternative.
 *
 * What checks the token: on oauth2-proxy releases the request bypasses oauth2-proxy
 * (its CUSTOM policy applies only without an Authorization header) and the gateway's
 * RequestAuthentication validates issuer, signature and audience (the client id: the
 * app asks for v2 access tokens) and maps the user claim to kubeflow-userid. On
 * oidc-authservice releases the image's id-token authenticator (arrikto e236439,
 * authenticator_idtoken.go) verifies the same token against the issuer with the client
 * id as audience and reads USERID_CLAIM from it.
 *
 * Only a user's token names a user: a service principal can get a token for this app
 * only with the client-credentials flow (scope `api://<clientId>/.default`), and that
 * token carries neither preferred_username nor email. Automation uses a Kubernetes
 * service account token instead (automationSnippet).
 */
export function kfpClientSnippet(outputs: ClientOutputs): string {
    const release = findRelease(outputs.kubeflowRelease);
    if (!release) {
        throw new Error(`unknown Kubeflow release ${outputs.kubeflowRelease} in the stack outputs`);
    }
    const flavour: AuthFlavour = release.authservice;
    const host = `https://${outputs.hostname}/pipeline`;
    const cookie = sessionCookieName(flavour);
    const { lines, argument } = trust(outputs.tlsIssuer);
    return [
        "import subprocess",
        "import kfp",
        "",
        ...lines,
        "# A bearer token for the Kubeflow app registration, from your own Azure CLI login",
        "# (`az login` as a user; a service principal's token names no user and is refused).",
        "token = subprocess.check_output(",
        `    ["az", "account", "get-access-token", "--scope", "api://${outputs.oidcClientId}/user_impersonation",`,
        '     "--query", "accessToken", "-o", "tsv"], text=True).strip()',
        `client = kfp.Client(host="${host}", existing_token=token${argument})`,
        'print(client.list_experiments(namespace="<your-profile-namespace>"))',
        "",
        `# Or with the browser session: sign in at ${outputs.kubeflowUrl}, copy the ${cookie} cookie`,
        ...(flavour === "oauth2-proxy" ? [`# (every part when it is split: ${cookie}_0, ${cookie}_1, ..., joined by "; ")`] : []),
        `# and pass cookies="${cookie}=<value>" instead of existing_token.`,
        "",
        automationSnippet(outputs),
    ].join("\n");
}

/**
 * Automation (CI) without a person: a service account token for the site's audience,
 * which the gateway (oauth2-proxy releases: the cluster's issuer in its
 * RequestAuthentication) or the authservice (oidc-authservice releases: a TokenReview)
 * turns into kubeflow-userid `system:serviceaccount:<namespace>:<name>`. KFP then
 * authorizes that user with a SubjectAccessReview, which a kubeflow-edit RoleBinding in
 * the profile namespace satisfies.
 */
export function automationSnippet(outputs: Pick<ClientOutputs, "hostname" | "tlsIssuer">): string {
    const audience = automationAudience(outputs.hostname);
    const { argument } = trust(outputs.tlsIssuer);
    return [
        "# Automation (CI): a service account of a profile namespace instead of a person.",
        "#   kubectl -n <profile> create serviceaccount ci",
        "#   kubectl -n <profile> create rolebinding ci-kubeflow-edit --clusterrole=kubeflow-edit --serviceaccount=<profile>:ci",
        "# Then, in the CI job (a token lasts at most a day on AKS; mint one per run):",
        "ci_token = subprocess.check_output(",
        `    ["kubectl", "-n", "<profile>", "create", "token", "ci", "--audience", "${audience}", "--duration", "1h"], text=True).strip()`,
        `ci_client = kfp.Client(host="https://${outputs.hostname}/pipeline", existing_token=ci_token${argument})`,
        'print(ci_client.list_runs(namespace="<profile>"))',
    ].join("\n");
}

export const KFP_CLIENT_USAGE = [
    "usage: npm run kfp-client -- [--stack <stack>]",
    "",
    "Prints a kfp.Client snippet for a deployed stack, from its outputs (pulumi stack output --json):",
    "a user's bearer token from the Azure CLI, the browser session cookie, and a service account token for automation.",
    "  --stack <stack>  the stack to read (default: the selected stack)",
    "  --help           this text",
].join("\n");

/** The arguments, or a one-line problem with them. */
export function parseKfpClientArgs(args: readonly string[]): { help: true } | { help: false; stack?: string } | { problem: string } {
    if (args.includes("--help") || args.includes("-h")) {
        return { help: true };
    }
    let stack: string | undefined;
    for (let i = 0; i < args.length; i++) {
        if (args[i] === "--stack" && args[i + 1] !== undefined && !args[i + 1].startsWith("-")) {
            stack = args[++i];
        } else if (args[i] === "--stack") {
            return { problem: "--stack needs a stack name, e.g. --stack dev" };
        } else {
            return { problem: `unknown argument ${args[i]} (npm run kfp-client -- --help)` };
        }
    }
    return { help: false, stack };
}

/** The first line that says something of a failed command's output. */
function firstLine(text: string): string {
    return (
        text
            .split("\n")
            .map((l) => l.trim())
            .find((l) => l !== "") ?? "(no output)"
    );
}

function main(): void {
    const parsed = parseKfpClientArgs(process.argv.slice(2));
    if ("problem" in parsed) {
        console.error(`kfp-client: ${parsed.problem}`);
        process.exit(2);
    }
    if (parsed.help) {
        console.log(KFP_CLIENT_USAGE);
        return;
    }
    const cliArgs = ["stack", "output", "--json", ...(parsed.stack ? ["--stack", parsed.stack] : [])];
    let text: string;
    try {
        text = execFileSync("pulumi", cliArgs, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") {
            // Install commands from https://www.pulumi.com/docs/install/.
            console.error(
                "npm run kfp-client reads the stack's outputs with the Pulumi CLI, which is not on PATH. Install it " +
                    "(`curl -fsSL https://get.pulumi.com | sh`, or `brew install pulumi/tap/pulumi`, see https://www.pulumi.com/docs/install/), " +
                    "run `pulumi login` with access to the stack's state, and run this again.",
            );
            process.exit(1);
        }
        const raw = (err as { stderr?: unknown }).stderr;
        const stderr = typeof raw === "string" ? raw : Buffer.isBuffer(raw) ? raw.toString("utf8") : "";
        console.error(`kfp-client: pulumi ${cliArgs.join(" ")} failed: ${firstLine(stderr)}`);
        process.exit(1);
    }
    let outputs: ClientOutputs;
    try {
        outputs = JSON.parse(text) as ClientOutputs;
        console.log(kfpClientSnippet(outputs));
    } catch (err) {
        console.error(`kfp-client: the stack's outputs are not those of a kubeflow-azure stack: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
    }
}

if (require.main === module) {
    main();
}
