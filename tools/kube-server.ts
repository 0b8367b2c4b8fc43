/**
 * A throw-away Kubernetes API server for the suites and the bench: etcd and
 * kube-apiserver as plain processes on free loopback ports, a fresh data directory, a
 * client for it, and a stop that always runs. The shape of controller-runtime's envtest:
 * no kubelet, no controllers, no pods, no admission webhook answers; what the server
 * itself decides (validation, CRD schemas, stored versions, server-side apply, RBAC,
 * impersonation, namespace lifecycle, ValidatingAdmissionPolicy) is real.
 *
 * The binaries: `KUBEBUILDER_ASSETS` first (envtest's convention; `setup-envtest use 1.32
 * -p path` prints such a directory), then ../shared/kube/bin beside the project.
 *
 * The flags are those of ../shared/kube/start.sh, with two differences that spare the
 * helper a certificate authority of its own (no openssl): the admin authenticates with
 * a static bearer token (`--token-auth-file`, group system:masters), and the server
 * serves the self-signed certificate it writes to `--cert-dir` when it is given none
 * (k8s.io/apiserver pkg/server/options/serving.go MaybeDefaultWithSelfSignedCerts), which
 * the client then trusts as its only authority.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import * as k8s from "@kubernetes/client-node";

/** Where the binaries were found, and by which rule. */
export interface KubeBinaries {
    readonly dir: string;
    readonly from: "KUBEBUILDER_ASSETS" | "../shared/kube/bin";
}

const SHARED_BIN = path.resolve(__dirname, "..", "..", "shared", "kube", "bin");

/** How a user outside this machine gets the binaries: the one line a skipped suite prints. */
export const HOW_TO_GET_BINARIES =
    "no kube-apiserver and etcd: set KUBEBUILDER_ASSETS to a directory holding both (go run sigs.k8s.io/controller-runtime/tools/setup-envtest@latest use 1.32 -p path), or put them in ../shared/kube/bin";

/** The directory holding kube-apiserver and etcd, or undefined when neither place has both. */
export function findKubeBinaries(env: NodeJS.ProcessEnv = process.env, sharedBin = SHARED_BIN): KubeBinaries | undefined {
    const has = (dir: string): boolean => ["kube-apiserver", "etcd"].every((b) => fs.existsSync(path.join(dir, b)));
    const assets = env.KUBEBUILDER_ASSETS;
    if (assets) {
        // Set but wrong is a mistake to report, not a reason to fall back silently.
        if (!has(assets)) {
            throw new Error(`KUBEBUILDER_ASSETS=${assets} does not hold both kube-apiserver and etcd`);
        }
        return { dir: assets, from: "KUBEBUILDER_ASSETS" };
    }
    return has(sharedBin) ? { dir: sharedBin, from: "../shared/kube/bin" } : undefined;
}

export interface KubeServer {
    readonly url: string;
    /** The admin's client configuration (system:masters). */
    readonly config: k8s.KubeConfig;
    /**
     * The same server as another user, through the admin's impersonation (the server adds
     * system:authenticated to an impersonated user given no groups).
     */
    impersonate(user: string): k8s.KubeConfig;
    /** Data, certificates and logs. Removed by stop(). */
    readonly dir: string;
    /** Stops both processes (TERM, then KILL) and removes the directory; safe to call twice. */
    stop(): Promise<void>;
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
        });
    });
}

function exited(child: ChildProcess): boolean {
    return child.exitCode !== null || child.signalCode !== null;
}

async function stopProcess(child: ChildProcess): Promise<void> {
    if (exited(child)) {
        return;
    }
    const done = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await done;
    clearTimeout(timer);
}

function logTail(file: string, lines = 20): string {
    try {
        return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
        return "(no log)";
    }
}

function kubeConfig(url: string, caFile: string, token: string, impersonateUser?: string): k8s.KubeConfig {
    const user = impersonateUser ? `as-${impersonateUser}` : "admin";
    const config = new k8s.KubeConfig();
    config.loadFromOptions({
        clusters: [{ name: "local", server: url, caFile, skipTLSVerify: false }],
        users: [{ name: user, token, ...(impersonateUser ? { impersonateUser } : {}) }],
        contexts: [{ name: "local", cluster: "local", user }],
        currentContext: "local",
    });
    return config;
}

/**
 * Starts etcd and kube-apiserver and resolves once `/readyz` answers ok. The processes
 * are the caller's children; a watchdog shell stops them should this process die
 * without calling stop() (a killed test run), and an exit hook covers a normal exit.
 */
export async function startKubeServer(binaries: KubeBinaries, options: { readyTimeoutMs?: number } = {}): Promise<KubeServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeflow-azure-kube-"));
    const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const token = crypto.randomBytes(24).toString("hex");
    const keys = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    fs.writeFileSync(path.join(dir, "sa.key"), keys.privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
    fs.writeFileSync(path.join(dir, "sa.pub"), keys.publicKey.export({ type: "spki", format: "pem" }));
    // token,user,uid,"group,..." (the static token file of kube-apiserver --token-auth-file)
    fs.writeFileSync(path.join(dir, "tokens.csv"), `${token},local-admin,local-admin,"system:masters"\n`, { mode: 0o600 });
    const certDir = path.join(dir, "certs");

    const children: ChildProcess[] = [];
    const start = (binary: string, args: string[]): ChildProcess => {
        const log = fs.openSync(path.join(dir, `${binary}.log`), "w");
        const child = spawn(path.join(binaries.dir, binary), args, { stdio: ["ignore", log, log] });
        fs.closeSync(log);
        children.push(child);
        return child;
    };
    const killAll = (): void => {
        for (const c of children) {
            if (!exited(c)) {
                c.kill("SIGKILL");
            }
        }
    };
    process.once("exit", killAll);

    let stopped = false;
    const stop = async (): Promise<void> => {
        if (stopped) {
            return;
        }
        stopped = true;
        process.removeListener("exit", killAll);
        // The API server first: it writes to etcd until it goes.
        for (const c of [...children].reverse()) {
            await stopProcess(c);
        }
        fs.rmSync(dir, { recursive: true, force: true });
    };

    try {
        const etcd = start("etcd", [
            "--name=local",
            `--data-dir=${path.join(dir, "etcd-data")}`,
            `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
            `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
            `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
            `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
            `--initial-cluster=local=http://127.0.0.1:${peerPort}`,
            "--quota-backend-bytes=4294967296",
            // Nothing here outlives the test: no fsync per write.
            "--unsafe-no-fsync",
            "--logger=zap",
            "--log-level=warn",
        ]);
        const apiserver = start("kube-apiserver", [
            `--etcd-servers=http://127.0.0.1:${etcdPort}`,
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            `--secure-port=${apiPort}`,
            `--cert-dir=${certDir}`,
            `--token-auth-file=${path.join(dir, "tokens.csv")}`,
            "--authorization-mode=RBAC",
            "--service-cluster-ip-range=10.96.0.0/16",
            "--endpoint-reconciler-type=none",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            "--api-audiences=https://kubernetes.default.svc.cluster.local",
            `--service-account-key-file=${path.join(dir, "sa.pub")}`,
            `--service-account-signing-key-file=${path.join(dir, "sa.key")}`,
            "--allow-privileged=true",
            "--profiling=false",
            "--v=1",
        ]);
        // Stops both should this process die without stop() (SIGKILL of a test run).
        const watchdog = spawn(
            "sh",
            ["-c", `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done; kill -9 ${etcd.pid} ${apiserver.pid} 2>/dev/null; rm -rf '${dir}'`],
            { stdio: "ignore", detached: true },
        );
        watchdog.unref();

        const url = `https://127.0.0.1:${apiPort}`;
        const caFile = path.join(certDir, "apiserver.crt");
        const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
        let config: k8s.KubeConfig | undefined;
        for (;;) {
            for (const [name, child] of [
                ["etcd", etcd],
                ["kube-apiserver", apiserver],
            ] as const) {
                if (exited(child)) {
                    throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}):\n${logTail(path.join(dir, `${name}.log`))}`);
                }
            }
            if (fs.existsSync(caFile)) {
                config ??= kubeConfig(url, caFile, token);
                const ready = await new k8s.Health(config).readyz({ timeout: 2000 }).catch(() => false);
                if (ready) {
                    break;
                }
            }
            if (Date.now() > deadline) {
                throw new Error(`kube-apiserver not ready after ${options.readyTimeoutMs ?? 60_000} ms:\n${logTail(path.join(dir, "kube-apiserver.log"))}`);
            }
            await sleep(200);
        }
        const admin = config;
        return {
            url,
            config: admin,
            impersonate: (user) => kubeConfig(url, caFile, token, user),
            dir,
            stop,
        };
    } catch (e) {
        await stop();
        throw e;
    }
}
