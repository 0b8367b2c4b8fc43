/**
 * `npm run verify` against local servers on 127.0.0.1 that play the Kubeflow gateway:
 * port 80 (redirect), port 443 (TLS with certificates made here by openssl, the
 * authservice's sign-in flow, the pipelines API). Each broken gateway must fail exactly
 * its own check. No request leaves 127.0.0.1; the servers close after each test, and by
 * themselves after two minutes whatever happens.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { authorizeUrl, redirectUri } from "../manifests/authservice";
import { RELEASES } from "../manifests/catalog";
import { caFetchCommand } from "../manifests/edge";
import {
    CheckName,
    CheckStatus,
    SecretString,
    VerifyInputError,
    VerifyInputs,
    VerifyReport,
    formatReport,
    kfpApi,
    parseArgs,
    pipelinesApiPath,
    readStackOutputs,
    resolveInputs,
    signInButtonPath,
    tokenFromAzCli,
    verify,
} from "../scripts/verify";
import { MainDeps, main } from "../scripts/verify";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";

const HOST = "kf-verify.westeurope.cloudapp.azure.com";
const IP = "20.61.10.20";
const TENANT = "00000000-0000-0000-0000-00000000cafe";
const CLIENT = "11111111-2222-3333-4444-555555555555";
const TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.test-token-do-not-print";

// ---------------------------------------------------------------------------
// Certificates

interface Pem {
    readonly key: string;
    readonly cert: string;
}

interface Certificates {
    readonly dir: string;
    readonly caFile: string;
    readonly caPem: string;
    /** Signed by the CA, SAN = HOST. */
    readonly good: Pem;
    /** Signed by the CA, SAN = another name. */
    readonly wrongName: Pem;
    /** SAN = HOST, signed by a CA nobody was given. */
    readonly untrusted: Pem;
}

const openssl = spawnSync("openssl", ["version"], { encoding: "utf8" });
const skipWithoutOpenssl = openssl.status === 0 ? false : "openssl not found on PATH: the gateway tests need it to make test certificates";

function makeCertificates(): Certificates {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeflow-verify-"));
    const run = (...args: string[]): void => {
        execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    };
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    const ca = (name: string): void =>
        run(
            "req",
            "-x509",
            ...ec,
            "-keyout",
            `${name}.key`,
            "-out",
            `${name}.crt`,
            "-days",
            "2",
            "-subj",
            `/CN=${name}`,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        );
    const leaf = (name: string, signer: string, san: string): Pem => {
        fs.writeFileSync(
            path.join(dir, `${name}.ext`),
            `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`,
        );
        run("req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
        run(
            "x509",
            "-req",
            "-in",
            `${name}.csr`,
            "-CA",
            `${signer}.crt`,
            "-CAkey",
            `${signer}.key`,
            "-set_serial",
            String(Date.now()),
            "-days",
            "2",
            "-extfile",
            `${name}.ext`,
            "-out",
            `${name}.crt`,
        );
        return { key: fs.readFileSync(path.join(dir, `${name}.key`), "utf8"), cert: fs.readFileSync(path.join(dir, `${name}.crt`), "utf8") };
    };
    ca("stack-ca");
    ca("other-ca");
    return {
        dir,
        caFile: path.join(dir, "stack-ca.crt"),
        caPem: fs.readFileSync(path.join(dir, "stack-ca.crt"), "utf8"),
        good: leaf("good", "stack-ca", `DNS:${HOST},IP:${IP}`),
        wrongName: leaf("wrong-name", "stack-ca", "DNS:kf-other.northeurope.cloudapp.azure.com"),
        untrusted: leaf("untrusted", "other-ca", `DNS:${HOST}`),
    };
}

// ---------------------------------------------------------------------------
// A gateway on 127.0.0.1

interface GatewayOptions {
    readonly tls: Pem;
    readonly flavour?: "oauth2-proxy" | "oidc-authservice";
    /** false: port 80 serves the site in clear text. */
    readonly httpRedirect?: boolean;
    readonly clientId?: string;
    readonly redirectUri?: string;
    /** Where /oauth2/start sends the browser instead of Entra's authorize endpoint. */
    readonly loginUrl?: string;
    /** The highest TLS version port 443 offers. */
    readonly maxTls?: "TLSv1.1";
    /** A site that redirects each path to another one of its own, forever. */
    readonly redirectLoop?: boolean;
}

interface Seen {
    readonly scheme: "http" | "https";
    readonly host: string | undefined;
    readonly url: string;
    readonly authorization: string | undefined;
}

interface Gateway {
    readonly httpPort: number;
    readonly httpsPort: number;
    readonly seen: Seen[];
    close(): Promise<void>;
}

function authorizeLocation(clientId: string, redirect: string, scope: string, loginUrl = authorizeUrl(TENANT)): string {
    const u = new URL(loginUrl);
    u.searchParams.set("client_id", clientId);
    u.searchParams.set("redirect_uri", redirect);
    u.searchParams.set("response_type", "code");
    u.searchParams.set("scope", scope);
    u.searchParams.set("state", "a-csrf-nonce:/");
    return u.href;
}

// Written for these tests after oauth2-proxy's page: a GET form to <prefix>/start with rd.
const SIGN_IN_PAGE = `<!DOCTYPE html><html><body><section>
<form method="GET" action="/oauth2/start"><input type="hidden" name="rd" value="&#x2f;">
<button type="submit">Sign in with Microsoft Entra ID</button></form>
</section></body></html>`;

async function startGateway(o: GatewayOptions): Promise<Gateway> {
    const flavour = o.flavour ?? "oauth2-proxy";
    const clientId = o.clientId ?? CLIENT;
    const redirect = o.redirectUri ?? redirectUri(flavour, HOST);
    const seen: Seen[] = [];
    const record = (scheme: "http" | "https", req: http.IncomingMessage): void => {
        seen.push({ scheme, host: req.headers.host, url: req.url ?? "", authorization: req.headers.authorization });
    };
    const plain = http.createServer((req, res) => {
        record("http", req);
        if (o.httpRedirect === false) {
            res.writeHead(200, { "content-type": "text/html" }).end("<html>Kubeflow</html>");
        } else {
            res.writeHead(301, { location: `https://${req.headers.host ?? ""}${req.url ?? "/"}` }).end();
        }
    });
    const secure = https.createServer({ key: o.tls.key, cert: o.tls.cert, ...(o.maxTls ? { minVersion: "TLSv1", maxVersion: o.maxTls } : {}) }, (req, res) => {
        record("https", req);
        const url = new URL(req.url ?? "/", `https://${HOST}`);
        if (url.pathname.startsWith("/pipeline/apis/")) {
            if (req.headers.authorization !== `Bearer ${TOKEN}`) {
                res.writeHead(401, { "content-type": "text/plain" }).end("Jwt verification fails");
                return;
            }
            const body = url.pathname.endsWith("/healthz") ? { apiServerReady: true, multi_user: true } : { pipelines: [], total_size: 0 };
            res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
            return;
        }
        if (o.redirectLoop) {
            res.writeHead(302, { location: `/loop${seen.length}` }).end();
        } else if (flavour === "oidc-authservice") {
            res.writeHead(302, { location: authorizeLocation(clientId, redirect, "profile email openid") }).end();
        } else if (url.pathname === "/oauth2/start") {
            res.writeHead(302, { location: authorizeLocation(clientId, redirect, "openid profile email offline_access", o.loginUrl) }).end();
        } else {
            res.writeHead(403, { "content-type": "text/html; charset=utf-8" }).end(SIGN_IN_PAGE);
        }
    });
    const listen = (server: http.Server): Promise<number> =>
        new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
    const httpPort = await listen(plain);
    const httpsPort = await listen(secure);
    const close = async (): Promise<void> => {
        clearTimeout(stopper);
        for (const s of [plain, secure]) {
            s.closeAllConnections();
            await new Promise<void>((resolve) => s.close(() => resolve()));
        }
    };
    const stopper = setTimeout(() => void close(), 120_000);
    stopper.unref();
    return { httpPort, httpsPort, seen, close };
}

// ---------------------------------------------------------------------------
// Helpers

function inputsFor(gw: Gateway, certs: Certificates, extra: Partial<VerifyInputs> = {}): VerifyInputs {
    return {
        host: HOST,
        ip: IP,
        tenantId: TENANT,
        clientId: CLIENT,
        release: "26.03",
        caPem: certs.caPem,
        caSource: "kubeflow-ca.crt",
        token: new SecretString(TOKEN),
        connectTo: "127.0.0.1",
        httpPort: gw.httpPort,
        httpsPort: gw.httpsPort,
        timeoutMs: 5000,
        ...extra,
    };
}

const resolvesTo =
    (...addresses: string[]) =>
    (host: string): Promise<string[]> =>
        host === HOST ? Promise.resolve(addresses) : Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" }));

function statuses(report: VerifyReport): Record<CheckName, CheckStatus> {
    return Object.fromEntries(report.checks.map((c) => [c.name, c.status])) as Record<CheckName, CheckStatus>;
}

function detail(report: VerifyReport, name: CheckName): string {
    const c = report.checks.find((x) => x.name === name);
    assert.ok(c, `no ${name} check in the report`);
    return `${c.detail} ${c.hint ?? ""}`;
}

const ALL_PASS: Record<CheckName, CheckStatus> = { dns: "pass", http: "pass", tls: "pass", "sign-in": "pass", pipelines: "pass" };

async function run(
    gwOptions: GatewayOptions,
    extra: (gw: Gateway) => Partial<VerifyInputs> = () => ({}),
    resolve = resolvesTo(IP),
): Promise<{ report: VerifyReport; gw: Gateway; text: string }> {
    const gw = await startGateway(gwOptions);
    try {
        const report = await verify(inputsFor(gw, certs, extra(gw)), { resolve });
        const text = formatReport(report);
        assert.ok(!text.includes(TOKEN), "the report must never print the token");
        return { report, gw, text };
    } finally {
        await gw.close();
    }
}

let certs: Certificates;

describe("verify against a local gateway", { skip: skipWithoutOpenssl }, () => {
    before(() => {
        certs = makeCertificates();
    });
    after(() => {
        fs.rmSync(certs.dir, { recursive: true, force: true });
    });

    it("passes every check on a good gateway (oauth2-proxy, sign-in page -> /oauth2/start -> Entra, never followed)", async () => {
        const { report, gw, text } = await run({ tls: certs.good });
        assert.deepEqual(statuses(report), ALL_PASS, text);
        console.log(`good gateway:\n${text}`);
        const signIn = gw.seen.filter((s) => s.scheme === "https" && !s.url.startsWith("/pipeline"));
        assert.deepEqual(
            signIn.map((s) => s.url),
            ["/", "/oauth2/start?rd=%2F"],
        );
        assert.ok(
            gw.seen.every((s) => s.host === HOST),
            "every request carries the host name, whatever address it goes to",
        );
        assert.match(detail(report, "sign-in"), new RegExp(`redirect_uri https://${HOST.replace(/\./g, "\\.")}/oauth2/callback`));
        assert.match(detail(report, "tls"), /TLSv1\.[23]/);
        const api = gw.seen.filter((s) => s.url.startsWith("/pipeline"));
        assert.deepEqual(
            api.map((s) => s.url),
            ["/pipeline/apis/v2beta1/healthz"],
        );
        assert.equal(api[0].authorization, `Bearer ${TOKEN}`);
    });

    it("lists the profile namespace's pipelines (v2beta1) with --namespace", async () => {
        const { report, gw } = await run({ tls: certs.good }, () => ({ namespace: "kubeflow-user-example-com" }));
        assert.equal(statuses(report).pipelines, "pass");
        assert.ok(gw.seen.some((s) => s.url === "/pipeline/apis/v2beta1/pipelines?namespace=kubeflow-user-example-com"));
    });

    it("passes on an oidc-authservice release (v1.8.1): direct redirect with /authservice/oidc/callback; pipelines skipped, not passed", async () => {
        const { report, text } = await run({ tls: certs.good, flavour: "oidc-authservice" }, () => ({ release: "v1.8.1" }));
        assert.deepEqual(statuses(report), { ...ALL_PASS, pipelines: "skip" }, text);
        assert.match(detail(report, "sign-in"), /\/authservice\/oidc\/callback/);
        assert.match(detail(report, "pipelines"), /session cookie/);
    });

    it("fails tls only when the certificate's names do not cover the host (and sends no token)", async () => {
        const { report, gw, text } = await run({ tls: certs.wrongName });
        assert.deepEqual(statuses(report), { ...ALL_PASS, tls: "fail", pipelines: "skip" }, text);
        assert.match(detail(report, "tls"), /do not cover kf-verify/);
        assert.match(detail(report, "pipelines"), /not sent/);
        assert.ok(
            gw.seen.every((s) => s.authorization === undefined),
            "no token goes to a server whose certificate failed",
        );
    });

    it("fails tls only when the chain does not verify against the stack's CA", async () => {
        const { report, text } = await run({ tls: certs.untrusted });
        assert.deepEqual(statuses(report), { ...ALL_PASS, tls: "fail", pipelines: "skip" }, text);
        assert.match(detail(report, "tls"), /does not verify against the CA in kubeflow-ca\.crt/);
        console.log(`gateway with an untrusted certificate:\n${text}`);
    });

    it("fails tls on a self-signed stack without --ca and says how to get the CA", async () => {
        const { report } = await run({ tls: certs.good }, () => ({ caPem: undefined, caSource: undefined }));
        assert.equal(statuses(report).tls, "fail");
        assert.match(detail(report, "tls"), /system's trusted roots/);
        assert.ok(detail(report, "tls").includes(caFetchCommand()));
    });

    it("says to look at the load balancer, not the gateway's redirect, when nothing listens", async () => {
        const closed = await new Promise<number>((resolve) => {
            const probe = net.createServer();
            probe.listen(0, "127.0.0.1", () => {
                const port = (probe.address() as net.AddressInfo).port;
                probe.close(() => resolve(port));
            });
        });
        const { report, text } = await run({ tls: certs.good }, () => ({ httpPort: closed, httpsPort: closed }));
        assert.equal(statuses(report).http, "fail", text);
        assert.equal(statuses(report).tls, "fail", text);
        for (const name of ["http", "tls"] as const) {
            assert.match(detail(report, name), /ECONNREFUSED/);
            assert.match(detail(report, name), /nothing answered on 127\.0\.0\.1:\d+: istio-system\/istio-ingressgateway must be a LoadBalancer Service/);
            assert.doesNotMatch(detail(report, name), /httpsRedirect|serves port 443/);
        }
    });

    it("fails http only when port 80 does not redirect", async () => {
        const { report, text } = await run({ tls: certs.good, httpRedirect: false });
        assert.deepEqual(statuses(report), { ...ALL_PASS, http: "fail" }, text);
        assert.match(detail(report, "http"), /answered 200 without a redirect/);
    });

    it("fails sign-in only when the authorize redirect carries another client id", async () => {
        const { report, text } = await run({ tls: certs.good, clientId: "99999999-2222-3333-4444-555555555555" });
        assert.deepEqual(statuses(report), { ...ALL_PASS, "sign-in": "fail" }, text);
        assert.match(detail(report, "sign-in"), /client_id 99999999-2222-3333-4444-555555555555, expected 11111111-/);
        console.log(`gateway with a wrong client id:\n${text}`);
    });

    it("fails sign-in only when the redirect_uri is not the one the app registers", async () => {
        const { report, text } = await run({ tls: certs.good, redirectUri: `https://${HOST}/login/oidc` });
        assert.deepEqual(statuses(report), { ...ALL_PASS, "sign-in": "fail" }, text);
        assert.match(
            detail(report, "sign-in"),
            /redirect_uri https:\/\/kf-verify\.westeurope\.cloudapp\.azure\.com\/login\/oidc, expected .*\/oauth2\/callback/,
        );
    });

    it("fails sign-in when the flow leaves for another host (a dex login URL left in the config)", async () => {
        const { report, gw, text } = await run({ tls: certs.good, loginUrl: "http://dex.auth.svc.cluster.local:5556/dex/auth" });
        assert.deepEqual(statuses(report), { ...ALL_PASS, "sign-in": "fail" }, text);
        assert.match(detail(report, "sign-in"), /redirects to http:\/\/dex\.auth\.svc\.cluster\.local:5556\/dex\/auth, neither kf-verify/);
        assert.ok(!gw.seen.some((s) => s.url.startsWith("/dex")), "an off-host redirect is not followed");
    });

    it("fails tls when port 443 offers nothing newer than TLS 1.1 (and sends no token)", async () => {
        const { report, text } = await run({ tls: certs.good, maxTls: "TLSv1.1" });
        console.log(`gateway offering TLS 1.1 at most:\n${text}`);
        assert.equal(statuses(report).tls, "fail", text);
        assert.match(detail(report, "tls"), /TLS 1\.2\+ handshake with 127\.0\.0\.1:\d+ \(SNI kf-verify\.westeurope\.cloudapp\.azure\.com\) failed/);
        assert.match(
            detail(report, "tls"),
            /failed: ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: tlsv1 alert protocol version /,
            "OpenSSL's reason, without its source file",
        );
        assert.equal(statuses(report).pipelines, "skip");
    });

    it("fails sign-in after a bounded number of redirects that stay on the host", async () => {
        const { report, gw } = await run({ tls: certs.good, redirectLoop: true });
        assert.equal(statuses(report)["sign-in"], "fail");
        assert.match(detail(report, "sign-in"), /more than 6 redirects/);
        assert.ok(gw.seen.filter((s) => s.scheme === "https" && !s.url.startsWith("/pipeline")).length <= 7);
    });

    it("fails dns only when the host name resolves elsewhere, or not at all", async () => {
        const elsewhere = await run({ tls: certs.good }, () => ({}), resolvesTo("51.1.2.3"));
        assert.deepEqual(statuses(elsewhere.report), { ...ALL_PASS, dns: "fail" }, elsewhere.text);
        assert.match(detail(elsewhere.report, "dns"), /resolves to 51\.1\.2\.3, not to ingressIp 20\.61\.10\.20/);
        const nowhere = await run(
            { tls: certs.good },
            () => ({}),
            () => Promise.reject(Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" })),
        );
        assert.equal(statuses(nowhere.report).dns, "fail");
        assert.match(detail(nowhere.report, "dns"), /does not resolve: getaddrinfo ENOTFOUND/);
    });

    it("fails pipelines on a token the gateway rejects, without printing either token", async () => {
        const { report, text } = await run({ tls: certs.good }, () => ({ token: new SecretString("not-the-token-zzz") }));
        assert.deepEqual(statuses(report), { ...ALL_PASS, pipelines: "fail" }, text);
        assert.match(detail(report, "pipelines"), /answered 401/);
        assert.ok(!text.includes("not-the-token-zzz"));
    });

    it("skips pipelines visibly without a token", async () => {
        const { report, text } = await run({ tls: certs.good }, () => ({
            token: undefined,
            tokenUnavailable: "no --token, and the Azure CLI (az) is not installed",
        }));
        assert.deepEqual(statuses(report), { ...ALL_PASS, pipelines: "skip" });
        assert.match(text, /SKIP {2}pipelines {2}no --token, and the Azure CLI \(az\) is not installed/);
        assert.match(text, /5 checks: 4 passed, 0 failed, 1 skipped/);
    });

    it("main: exit 0 on a good gateway from stack outputs and an az token; exit 1 when a check fails", async () => {
        const gw = await startGateway({ tls: certs.good });
        try {
            const calls: string[][] = [];
            const printed: string[] = [];
            const deps = (outputs: Record<string, string>): MainDeps => ({
                resolve: resolvesTo(IP),
                run: (file, args) => {
                    calls.push([file, ...args]);
                    return Promise.resolve(file === "pulumi" ? JSON.stringify({ ...outputs, kubeconfig: "[secret]" }) : `${TOKEN}\n`);
                },
                readFile: (p) => fs.readFileSync(p, "utf8"),
                print: (t) => printed.push(t),
            });
            const outputs = { hostname: HOST, ingressIp: IP, tenantId: TENANT, oidcClientId: CLIENT, kubeflowRelease: "26.03" };
            const ports = ["--connect-to", "127.0.0.1", "--http-port", String(gw.httpPort), "--https-port", String(gw.httpsPort), "--ca", certs.caFile];
            assert.equal(await main(["--stack", "dev", ...ports], deps(outputs)), 0, printed.join("\n"));
            assert.deepEqual(calls[0], ["pulumi", "stack", "output", "--json", "--stack", "dev"]);
            assert.deepEqual(calls[1], [
                "az",
                "account",
                "get-access-token",
                "--scope",
                `api://${CLIENT}/user_impersonation`,
                "--query",
                "accessToken",
                "-o",
                "tsv",
            ]);
            assert.ok(
                gw.seen.some((s) => s.authorization === `Bearer ${TOKEN}`),
                "the az token is the one sent",
            );
            assert.equal(await main(["--stack", "dev", ...ports, "--client-id", "99999999-2222-3333-4444-555555555555"], deps(outputs)), 1);
            assert.match(printed[1], /FAIL {2}sign-in/);
        } finally {
            await gw.close();
        }
    });
});

describe("verify inputs", () => {
    const readFile = (p: string): string => {
        if (p === "ca.pem") {
            return "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        }
        throw Object.assign(new Error(`ENOENT: ${p}`), { code: "ENOENT" });
    };

    it("takes stack outputs, flags win over them, and connects to ingressIp by default", () => {
        const { flags, problems } = parseArgs(["--release", "v1.9.1", "--token=abc"]);
        const inputs = resolveInputs(
            flags,
            { outputs: { hostname: HOST, ingressIp: IP, tenantId: TENANT, oidcClientId: CLIENT, kubeflowRelease: "26.03" }, readFile },
            problems,
        );
        assert.equal(inputs.release, "v1.9.1");
        assert.equal(inputs.connectTo, IP);
        assert.equal(inputs.httpsPort, 443);
        assert.equal(inputs.token?.reveal(), "abc");
        assert.equal(String(inputs.token), "[secret]");
        assert.equal(JSON.stringify(inputs).includes("abc"), false);
    });

    it("reports every bad input at once, naming flag, value and rule, and never the token", () => {
        const { flags, problems } = parseArgs([
            "--host",
            "https://kf.example.com/",
            "--ip",
            "300.1.1.1",
            "--tenant",
            "contoso",
            "--client-id",
            "x",
            "--release",
            "v0.1",
            "--ca",
            "missing.pem",
            "--https-port",
            "0",
            "--bogus",
            "--token",
            "secret-token-value",
            "--namespace",
        ]);
        let message = "";
        try {
            resolveInputs(flags, { readFile }, problems);
        } catch (e) {
            assert.ok(e instanceof VerifyInputError);
            message = e.message;
        }
        assert.match(message, /^9 problem\(s\) in the verify inputs; nothing was checked/);
        for (const expected of [
            /--host: https:\/\/kf\.example\.com\/: a fully qualified DNS name/,
            /--ip: 300\.1\.1\.1: an IP address/,
            /--tenant: contoso: a GUID/,
            /--client-id: x: a GUID/,
            /--release: v0\.1: one of 26\.03, v1\.11\.0/,
            /--ca: missing\.pem: a readable file \(ENOENT\)/,
            /--https-port: 0: a port number/,
            /arguments: "--bogus": unknown flag/,
            /--namespace: \(none\): needs a value/,
        ]) {
            assert.match(message, expected);
        }
        assert.ok(!message.includes("secret-token-value"));
    });

    it("requires a host when there is no stack", () => {
        assert.throws(() => resolveInputs({}, { readFile }), /--host: \(none\): required: pass --host, or --stack NAME/);
    });

    it("--stack without the Pulumi CLI says how to install it or what to pass instead", async () => {
        const enoent = (): Promise<string> => Promise.reject(Object.assign(new Error("spawn pulumi ENOENT"), { code: "ENOENT" }));
        await assert.rejects(
            readStackOutputs("dev", enoent),
            (e: unknown) => e instanceof VerifyInputError && /Pulumi CLI is not installed.*pass --host/.test(e.message),
        );
        const failing = (): Promise<string> => Promise.reject(Object.assign(new Error("exit 255"), { stderr: "error: no stack named 'dev' found\n" }));
        await assert.rejects(readStackOutputs("dev", failing), /pulumi stack output failed: error: no stack named 'dev' found/);
    });

    it("az: no CLI or a failing login is a reason to skip; a printed token is used", async () => {
        const none = await tokenFromAzCli(CLIENT, () => Promise.reject(Object.assign(new Error("spawn az ENOENT"), { code: "ENOENT" })));
        assert.deepEqual(none, { unavailable: "no --token, and the Azure CLI (az) is not installed" });
        const notLoggedIn = await tokenFromAzCli(CLIENT, () =>
            Promise.reject(Object.assign(new Error("exit 1"), { stderr: "ERROR: Please run 'az login' to setup account.\n" })),
        );
        assert.deepEqual(notLoggedIn, { unavailable: "az account get-access-token failed: ERROR: Please run 'az login' to setup account." });
        const got = await tokenFromAzCli(CLIENT, () => Promise.resolve("tok\n"));
        assert.ok("token" in got && got.token.reveal() === "tok");
    });
});

describe("verify: what the checks expect", () => {
    it("finds the sign-in button's path in oauth2-proxy's page, entities decoded", () => {
        assert.equal(signInButtonPath(SIGN_IN_PAGE), "/oauth2/start?rd=%2F");
        assert.equal(signInButtonPath('<form method="POST" action="/oauth2/sign_in"></form>'), undefined);
        assert.equal(signInButtonPath("<html>no form</html>"), undefined);
    });

    it("uses v2beta1 where the release's KFP serves it and v1beta1 on KFP 2.0.0-alpha.7 (v1.7.0)", () => {
        assert.equal(pipelinesApiPath("26.03"), "/pipeline/apis/v2beta1/healthz");
        assert.equal(pipelinesApiPath("v1.7.0"), "/pipeline/apis/v1beta1/healthz");
        assert.equal(pipelinesApiPath("v1.9.1", "team-a"), "/pipeline/apis/v2beta1/pipelines?namespace=team-a");
        assert.equal(
            pipelinesApiPath("v1.7.0", "team-a"),
            "/pipeline/apis/v1beta1/pipelines?resource_reference_key.type=NAMESPACE&resource_reference_key.id=team-a",
        );
        for (const r of RELEASES) {
            assert.doesNotThrow(() => kfpApi(r.id), `release ${r.id} has a KFP API entry`);
        }
    });

    it("records the KFP version each real render ships (its api-server image tag)", { skip: skipWithoutRenders() }, () => {
        for (const release of availableRenders()) {
            const images = loadRender(release)
                .filter((o) => o.kind === "Deployment" && o.metadata.name === "ml-pipeline" && o.metadata.namespace === "kubeflow")
                .flatMap((o) => JSON.stringify(o).match(/"image":"[^"]*api-server:[^"]+"/g) ?? []);
            assert.equal(images.length, 1, `${release}: one ml-pipeline api-server image`);
            assert.ok(images[0].endsWith(`:${kfpApi(release).kfp}"`), `${release}: ${images[0]} vs ${kfpApi(release).kfp}`);
        }
    });

    it("README's verify section: the CA command, the redirect URIs and only flags the CLI knows", () => {
        const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
        const section = /## Checking a deploy \(npm run verify\)\n([\s\S]*?)\n## /.exec(readme)?.[1];
        assert.ok(section, "README has the section");
        assert.ok(section.includes(caFetchCommand()), "the CA command is the one the program prints");
        assert.ok(section.includes(redirectUri("oauth2-proxy", "<host>")) && section.includes(redirectUri("oidc-authservice", "<host>")));
        const flags = [...new Set(section.match(/--[a-z][-a-z]*/g) ?? [])].filter((f) => !["--scope", "--json"].includes(f));
        assert.ok(flags.length >= 10, flags.join(" "));
        for (const f of flags) {
            assert.deepEqual(parseArgs([f, "x"]).problems, [], `README flag ${f}`);
        }
    });

    it("npm run verify exits 2 with the input problems, before any connection", () => {
        const r = spawnSync(
            process.execPath,
            ["--import", "tsx", path.join(__dirname, "..", "scripts", "verify.ts"), "--host", "not a host", "--timeout", "0"],
            {
                encoding: "utf8",
                timeout: 60_000,
            },
        );
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /2 problem\(s\) in the verify inputs; nothing was checked/);
        assert.match(r.stderr, /--timeout: 0: seconds per request/);
        assert.match(r.stderr, /usage: npm run verify/);
    });
});
