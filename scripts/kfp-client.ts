/**
 * `npm run kfp-client -- --stack dev`: prints a ready `kfp.Client(...)` snippet for a
 * deployed stack, from its outputs (`pulumi stack output --json`; needs the Pulumi CLI
 * and access to the stack's state).
 */
import { execFileSync } from "node:child_process";
import { AuthFlavour, sessionCookieName } from "../manifests/authservice";
import { findRelease } from "../manifests/catalog";
import { caFetchCommand } from "../manifests/edge";
import { StackOutputs } from "../outputs";

export type ClientOutputs = Pick<StackOutputs, "kubeflowUrl" | "hostname" | "oidcClientId" | "kubeflowRelease">;

/** The Python snippet for this deployment: bearer token where the release accepts one, else the session cookie. */
export function kfpClientSnippet(outputs: ClientOutputs): string {
    const release = findRelease(outputs.kubeflowRelease);
    if (!release) {
        throw new Error(`unknown Kubeflow release ${outputs.kubeflowRelease} in the stack outputs`);
    }
    const flavour: AuthFlavour = release.authservice;
    const host = `https://${outputs.hostname}/pipeline`;
    const trust = [
        "# With the self-signed certificate (tls.issuer self-signed), trust it first:",
        `#   ${caFetchCommand()}`,
        "# and pass ssl_ca_cert=\"kubeflow-ca.crt\"; with letsencrypt, leave ssl_ca_cert out.",
    ];
    if (flavour === "oauth2-proxy") {
        return [
            "import subprocess",
            "import kfp",
            "",
            ...trust,
            "# A bearer token for the Kubeflow app registration, from your Azure CLI login",
            "# (a service principal: `az login --service-principal ...` first).",
            "token = subprocess.check_output(",
            `    ["az", "account", "get-access-token", "--scope", "api://${outputs.oidcClientId}/user_impersonation",`,
            "     \"--query\", \"accessToken\", \"-o\", \"tsv\"], text=True).strip()",
            `client = kfp.Client(host="${host}", existing_token=token, ssl_ca_cert="kubeflow-ca.crt")`,
            "print(client.list_experiments(namespace=\"<your-profile-namespace>\"))",
        ].join("\n");
    }
    const cookie = sessionCookieName(flavour);
    return [
        "import kfp",
        "",
        ...trust,
        `# Sign in at ${outputs.kubeflowUrl} in a browser, then copy the value of the`,
        `# ${cookie} cookie (developer tools, Application/Storage, Cookies).`,
        `cookie = "${cookie}=<paste the value here>"`,
        `client = kfp.Client(host="${host}", cookies=cookie, ssl_ca_cert="kubeflow-ca.crt")`,
        "print(client.list_experiments(namespace=\"<your-profile-namespace>\"))",
    ].join("\n");
}

function main(): void {
    const args = process.argv.slice(2);
    const stack = args.includes("--stack") ? args[args.indexOf("--stack") + 1] : undefined;
    const cliArgs = ["stack", "output", "--json", ...(stack ? ["--stack", stack] : [])];
    let text: string;
    try {
        text = execFileSync("pulumi", cliArgs, { encoding: "utf8" });
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") {
            // Install commands from https://www.pulumi.com/docs/install/.
            console.error("npm run kfp-client reads the stack's outputs with the Pulumi CLI, which is not on PATH. Install it " +
                "(`curl -fsSL https://get.pulumi.com | sh`, or `brew install pulumi/tap/pulumi`, see https://www.pulumi.com/docs/install/), " +
                "run `pulumi login` with access to the stack's state, and run this again.");
            process.exit(1);
        }
        throw err;
    }
    console.log(kfpClientSnippet(JSON.parse(text) as ClientOutputs));
}

if (require.main === module) {
    main();
}
