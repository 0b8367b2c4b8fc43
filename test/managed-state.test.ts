/**
 * Managed state (issue 22): the release's objects pointed at Azure Database for MySQL and,
 * through SeaweedFS's remote storage, at a Blob container; the Azure resources that hold
 * them, private and backed up; the cluster in their network and independent of them; the
 * configuration and the refusals. The server's acceptance of the objects is in the
 * kube-install suites (prod's state is managed on the SeaweedFS releases).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import { MOCK, Mocks, RecordedResource, installMocks, isSecretValue } from "./mocks";
import { CONTEXT, releaseConfig, stackConfig, templateValues } from "./stack-files";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";
import { groupObjects, realRelease, runProgram } from "./support/program-run";
import { miniObjects, miniRelease } from "./fixtures/mini-release";
import { RELEASES, findRelease } from "../manifests/catalog";
import { configMapData, isKind, podTemplate } from "../manifests/kube";
import { KubeObject } from "../manifests/types";
import {
    API_SERVER_EXTRA_PARAMS_ENV,
    ARTIFACT_STORE_SECRET,
    DATABASE_GRANTS,
    MYSQL_ADMIN_SECRET,
    MYSQL_USERS_JOB,
    MYSQL_USERS_SCRIPT,
    EXCLUDE_OUTBOUND_PORTS,
    MANAGED_DATABASES,
    REMOTE_SYNC_SCRIPT,
    mysqlHost,
    useManagedDatabase,
    useManagedObjectStore,
} from "../manifests/transforms/managed-state";
import { ConfigError, managedStateNames, resolveConfig } from "../config";
import { refuseNetworkMove, refuseStateSwitch } from "../plan";

const HOST = mysqlHost("kf-prod-abc123-mysql");
const TARGET = { mysqlHost: HOST };
const seaweedReleases = (): string[] => availableRenders().filter((id) => findRelease(id)?.objectStore === "seaweedfs");

interface Env {
    name: string;
    value?: string;
    valueFrom?: { configMapKeyRef?: { name: string; key: string }; secretKeyRef?: { name: string; key: string } };
}
interface Container {
    name: string;
    image?: string;
    command?: string[];
    env?: Env[];
}

function deployment(objects: readonly KubeObject[], name: string): KubeObject {
    const found = objects.find((o) => isKind(o, "apps", "Deployment", "kubeflow", name));
    assert.ok(found, `Deployment kubeflow/${name}`);
    return found;
}

function containers(o: KubeObject): Container[] {
    return (podTemplate(o)?.spec as { containers?: Container[] } | undefined)?.containers ?? [];
}

/**
 * What a container sees in an env variable, as the kubelet resolves it: a literal, or a
 * ConfigMap key of the objects; a Secret key is named, not read (`secret:<name>/<key>`);
 * undefined when the variable is not set (the program's default applies).
 */
function resolvedEnv(objects: readonly KubeObject[], workload: string, name: string): string | undefined {
    const env = containers(deployment(objects, workload)).flatMap((c) => c.env ?? []);
    const e = env.filter((v) => v.name === name).at(-1);
    if (!e) {
        return undefined;
    }
    if (e.value !== undefined) {
        return e.value;
    }
    const cm = e.valueFrom?.configMapKeyRef;
    if (cm) {
        const map = objects.find((o) => isKind(o, "", "ConfigMap", "kubeflow", cm.name));
        assert.ok(map, `ConfigMap ${cm.name} read by ${workload}`);
        return configMapData(map)[cm.key];
    }
    const secret = e.valueFrom?.secretKeyRef;
    return secret ? `secret:${secret.name}/${secret.key}` : undefined;
}

describe("managed state on the real renders (KFP and Katib pointed at the server)", { skip: skipWithoutRenders() }, () => {
    for (const id of seaweedReleases()) {
        it(`${id}: every database client resolves the server, the in-cluster databases are gone, the Secrets are handed out`, () => {
            const render = loadRender(id);
            const plan = useManagedDatabase(render, TARGET);
            const objects = plan.objects;
            // Upstream's clients read the in-cluster servers: the control for what follows.
            assert.equal(resolvedEnv(render, "ml-pipeline", "DBCONFIG_MYSQLCONFIG_HOST"), "mysql");
            assert.equal(resolvedEnv(render, "katib-db-manager", "KATIB_MYSQL_DB_HOST"), undefined, "Katib's default host: katib-mysql");

            // Each client, as its process reads its address (research: api-server 2.15/2.16
            // client_manager.go, cache main.go flags, ml-metadata's --mysql_config_* args, Katib's env).
            const reads: [string, string, string][] = [
                ["ml-pipeline", "DBCONFIG_MYSQLCONFIG_HOST", "DBCONFIG_MYSQLCONFIG_PORT"],
                ["cache-server", "DBCONFIG_HOST_NAME", "DBCONFIG_PORT"],
                ["metadata-grpc-deployment", "MYSQL_HOST", "MYSQL_PORT"],
                ["katib-db-manager", "KATIB_MYSQL_DB_HOST", "KATIB_MYSQL_DB_PORT"],
            ];
            for (const [workload, host, port] of reads) {
                assert.equal(resolvedEnv(objects, workload, host), HOST, `${workload} ${host}`);
                assert.equal(resolvedEnv(objects, workload, port), "3306", `${workload} ${port}`);
            }
            assert.equal(resolvedEnv(objects, "katib-db-manager", "DB_USER"), "katib", "Katib's own account");
            assert.equal(resolvedEnv(objects, "katib-db-manager", "KATIB_MYSQL_DB_DATABASE"), "katib");
            assert.equal(resolvedEnv(objects, "katib-db-manager", "DB_PASSWORD"), "secret:katib-mysql-secrets/MYSQL_ROOT_PASSWORD");
            for (const workload of ["ml-pipeline", "cache-server", "metadata-grpc-deployment"]) {
                const name = workload === "ml-pipeline" ? "DBCONFIG_MYSQLCONFIG_PASSWORD" : "DBCONFIG_PASSWORD";
                assert.equal(resolvedEnv(objects, workload, name), "secret:mysql-secret/password", workload);
                // The sidecar leaves the database connection alone.
                const annotations = (podTemplate(deployment(objects, workload))?.metadata as { annotations?: Record<string, string> }).annotations ?? {};
                assert.equal(annotations[EXCLUDE_OUTBOUND_PORTS], "3306", workload);
            }

            // The API server and the cache server speak TLS to the server, verifying it: the
            // setting as each process parses it (viper/cast and the cache server's flag both
            // json.Unmarshal into map[string]string, so a non-string value would be dropped
            // in silence), and a host name the certificate names, not an address.
            assert.equal(resolvedEnv(render, "ml-pipeline", API_SERVER_EXTRA_PARAMS_ENV), undefined, "upstream sets no extra params");
            const apiParams: unknown = JSON.parse(resolvedEnv(objects, "ml-pipeline", API_SERVER_EXTRA_PARAMS_ENV) ?? "null");
            const cacheArgs = containers(deployment(objects, "cache-server")).flatMap((c) => (c as { args?: string[] }).args ?? []);
            assert.equal(cacheArgs.filter((a) => a.startsWith("--db_extra_params=")).length, 1, "one flag");
            assert.ok(cacheArgs.includes("--db_host=$(DBCONFIG_HOST_NAME)"), "the flag sits beside the database's own");
            const cacheParams: unknown = JSON.parse(cacheArgs.find((a) => a.startsWith("--db_extra_params="))?.slice("--db_extra_params=".length) ?? "null");
            for (const params of [apiParams, cacheParams]) {
                assert.deepEqual(params, { tls: "true" });
                assert.ok(Object.values(params as object).every((v) => typeof v === "string"));
            }
            assert.match(HOST, /^[a-z0-9-]+\.mysql\.database\.azure\.com$/);

            // Every database the components name is one the server is created with.
            const config = configMapData(objects.find((o) => isKind(o, "", "ConfigMap", "kubeflow", "pipeline-install-config")) as KubeObject);
            assert.deepEqual([config.pipelineDb, config.cacheDb, config.mlmdDb, "katib"].sort(), [...MANAGED_DATABASES].sort());

            // The in-cluster servers and what serves only them are gone, and nothing names them as a host.
            assert.deepEqual(plan.dropped.map((k) => k.replace(/^.*?:/, "")).sort(), [
                "kubeflow/katib-mysql",
                "kubeflow/katib-mysql",
                "kubeflow/katib-mysql",
                "kubeflow/ml-pipeline-mysql",
                "kubeflow/mysql",
                "kubeflow/mysql",
                "kubeflow/mysql",
                "kubeflow/mysql",
                "kubeflow/mysql-pv-claim",
            ]);
            assert.equal(objects.length, render.length - plan.dropped.length - 2, "dropped, and the two database Secrets handed out");
            for (const o of objects) {
                for (const c of containers(o)) {
                    for (const e of c.env ?? []) {
                        if (/HOST/.test(e.name)) {
                            assert.ok(!["mysql", "katib-mysql"].includes(e.value ?? ""), `${o.metadata.name}/${c.name} ${e.name}`);
                        }
                    }
                }
            }
            assert.deepEqual(
                [...plan.secrets]
                    .sort((a, b) => a.object.metadata.name.localeCompare(b.object.metadata.name))
                    .map((s) => [s.object.metadata.name, s.values, s.object.data, s.object.stringData]),
                [
                    ["katib-mysql-secrets", { MYSQL_ROOT_PASSWORD: "katib-password" }, undefined, undefined],
                    ["kubeflow-azure-mysql-admin", { username: "mysql-admin-user", password: "mysql-admin-password" }, undefined, undefined],
                    ["mysql-secret", { username: { literal: "kfp" }, password: "kfp-password" }, undefined, undefined],
                ],
            );
        });

        it(`${id}: the artifacts' bucket is mounted from the Blob container by a sidecar with the account key from a Secret`, () => {
            const plan = useManagedObjectStore(useManagedDatabase(loadRender(id), TARGET));
            const store = deployment(plan.objects, "seaweedfs");
            const [main, ...rest] = containers(store);
            assert.equal(main.name, "seaweedfs");
            const sidecar = rest.find((c) => c.name === "remote-sync");
            assert.ok(sidecar);
            assert.equal(sidecar.image, main.image, "the release's own SeaweedFS");
            assert.deepEqual(sidecar.command, ["/bin/sh", "-c", REMOTE_SYNC_SCRIPT]);
            for (const c of [main, sidecar]) {
                for (const key of ["AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_ACCESS_KEY"]) {
                    assert.equal(resolvedEnv([store], "seaweedfs", key) !== undefined, true);
                    const e = (c.env ?? []).find((v) => v.name === key);
                    assert.deepEqual(e?.valueFrom?.secretKeyRef, { name: ARTIFACT_STORE_SECRET, key }, `${c.name} ${key}`);
                }
            }
            // The pod stays restricted: the sidecar runs as the store does.
            const securityOf = (c: Container): unknown => (c as { securityContext?: unknown }).securityContext;
            assert.deepEqual(securityOf(sidecar), securityOf(main));
            assert.ok(securityOf(main));
            const handed = plan.secrets.find((s) => s.object.metadata.name === ARTIFACT_STORE_SECRET);
            assert.deepEqual(handed?.values, { AZURE_STORAGE_ACCOUNT: "storage-account", AZURE_STORAGE_ACCESS_KEY: "storage-key" });
        });
    }
});

describe("the components' own MySQL accounts", () => {
    it("are made by a Job without a sidecar, restricted, reading the administrator's and the accounts' Secrets, on every SeaweedFS render", () => {
        for (const id of seaweedReleases()) {
            const plan = useManagedDatabase(loadRender(id), TARGET);
            assert.equal(plan.setup.length, 1);
            const job = plan.setup[0];
            assert.deepEqual([job.kind, job.metadata.namespace, job.metadata.name], ["Job", "kubeflow", MYSQL_USERS_JOB]);
            const template = podTemplate(job) as { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> };
            assert.equal(template.metadata.labels["sidecar.istio.io/inject"], "false", "a Job with a proxy never completes");
            assert.equal(template.spec.automountServiceAccountToken, false);
            assert.deepEqual(template.spec.securityContext, {
                runAsNonRoot: true,
                runAsUser: 999,
                runAsGroup: 999,
                seccompProfile: { type: "RuntimeDefault" },
            });
            const [c] = template.spec.containers as (Container & { securityContext: unknown })[];
            assert.equal(c.image, "mysql:8.0", `${id}: the release's own MySQL image (Katib's)`);
            assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true });
            const env = Object.fromEntries(
                (c.env ?? []).map((e) => [e.name, e.value ?? `${e.valueFrom?.secretKeyRef?.name}/${e.valueFrom?.secretKeyRef?.key}`]),
            );
            assert.deepEqual(env, {
                MYSQL_HOST: HOST,
                ADMIN_USER: `${MYSQL_ADMIN_SECRET}/username`,
                ADMIN_PASSWORD: `${MYSQL_ADMIN_SECRET}/password`,
                KFP_PASSWORD: "mysql-secret/password",
                KATIB_PASSWORD: "katib-mysql-secrets/MYSQL_ROOT_PASSWORD",
            });
        }
    });

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mysql-users-"));
    const log = path.join(dir, "log");
    // A stand-in for the mysql client: records its arguments, the password it was given
    // through the environment, and the SQL on stdin; fails when asked to.
    fs.writeFileSync(
        path.join(dir, "mysql"),
        [
            "#!/bin/sh",
            'printf "args %s\\npwd %s\\n" "$*" "$MYSQL_PWD" > "$LOG"',
            'cat >> "$LOG"',
            'if [ -n "${FAIL:-}" ]; then echo "ERROR 2003 (HY000): Can\'t connect" >&2; exit 1; fi',
        ].join("\n"),
        { mode: 0o755 },
    );
    const run = (extra: Record<string, string> = {}) =>
        spawnSync("/bin/sh", ["-c", MYSQL_USERS_SCRIPT], {
            env: {
                PATH: `${dir}:${process.env.PATH ?? ""}`,
                LOG: log,
                MYSQL_HOST: HOST,
                ADMIN_USER: "kubeflow",
                ADMIN_PASSWORD: "Admin1pass",
                KFP_PASSWORD: "Kfp1pass",
                KATIB_PASSWORD: "Katib1pass",
                ...extra,
            },
            encoding: "utf8",
        });

    it("logs in as the administrator with the password in MYSQL_PWD, and gives each account its own databases only", () => {
        const r = run();
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /MySQL accounts ready: kfp, katib/);
        const [args, pwd, ...sql] = fs.readFileSync(log, "utf8").trim().split("\n");
        assert.equal(args, `args --host=${HOST} --port=3306 --user=kubeflow --connect-timeout=10`);
        assert.equal(pwd, "pwd Admin1pass", "the password never on the command line");
        assert.deepEqual(sql, [
            "CREATE USER IF NOT EXISTS 'kfp'@'%' IDENTIFIED WITH mysql_native_password BY 'Kfp1pass';",
            "ALTER USER 'kfp'@'%' IDENTIFIED WITH mysql_native_password BY 'Kfp1pass';",
            "GRANT ALL PRIVILEGES ON mlpipeline.* TO 'kfp'@'%';",
            "GRANT ALL PRIVILEGES ON cachedb.* TO 'kfp'@'%';",
            "GRANT ALL PRIVILEGES ON metadb.* TO 'kfp'@'%';",
            "CREATE USER IF NOT EXISTS 'katib'@'%' IDENTIFIED WITH mysql_native_password BY 'Katib1pass';",
            "ALTER USER 'katib'@'%' IDENTIFIED WITH mysql_native_password BY 'Katib1pass';",
            "GRANT ALL PRIVILEGES ON katib.* TO 'katib'@'%';",
        ]);
        // Every database the server is created with belongs to exactly one account.
        assert.deepEqual(Object.values(DATABASE_GRANTS).flat().sort(), [...MANAGED_DATABASES].sort());
    });

    it("fails the Job when the server refuses, so the provider reports it and no workload starts", () => {
        const r = run({ FAIL: "1" });
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /Can't connect/);
        assert.doesNotMatch(r.stdout, /accounts ready/);
    });
});

describe("managed state on a render that lacks what it rewires", () => {
    it("names every missing object at once, and a render without SeaweedFS", () => {
        const gone = ["pipeline-install-config", "katib-mysql-secrets", "katib-db-manager", "ml-pipeline"];
        const lacking = miniObjects().filter((o) => !gone.includes(o.metadata.name));
        assert.throws(
            () => useManagedDatabase(lacking, TARGET),
            (e: Error) => {
                for (const name of gone) {
                    assert.match(e.message, new RegExp(`kubeflow/${name}: \\(missing\\)`));
                }
                assert.doesNotMatch(e.message, /mysql-secret:/);
                return true;
            },
        );
        const noStore = useManagedDatabase(
            miniObjects().filter((o) => o.metadata.name !== "seaweedfs"),
            TARGET,
        );
        assert.throws(() => useManagedObjectStore(noStore), /kubeflow\/seaweedfs: \(missing\): managed state mounts the Blob container in SeaweedFS/);
        // A cache server whose flags moved (no --db_host) would not get the TLS setting.
        const moved = miniObjects().map((o) =>
            o.metadata.name === "cache-server" ? { ...o, spec: { template: { spec: { containers: [{ name: "server", image: "kfp-cache-server" }] } } } } : o,
        );
        assert.throws(() => useManagedDatabase(moved, TARGET), /kubeflow\/cache-server: \(no container with --db_host\)/);
    });
});

describe("the sidecar's script, run by sh against a recording weed", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "remote-sync-"));
    const log = path.join(dir, "log");
    const mapping = path.join(dir, "mapping");
    // A stand-in for SeaweedFS 4.00's weed: `weed shell` reads one command on stdin and
    // always exits 0, printing `error: ...` on failure; the other subcommands are recorded.
    fs.writeFileSync(
        path.join(dir, "weed"),
        [
            "#!/bin/sh",
            'if [ "$1" = shell ]; then',
            '  cmd=$(cat); printf "shell %s\\n" "$cmd" >> "$LOG"',
            '  case "$cmd" in',
            '    s3.bucket.list) echo "  mlpipeline  size:0";;',
            '    remote.configure*) if [ -n "${FAIL_CONFIGURE:-}" ]; then echo "error: configure failed"; fi;;',
            '    "remote.mount") cat "$MAPPING" 2>/dev/null || echo "{}";;',
            '    remote.mount\\ *) echo \'{"mappings":{"/buckets/mlpipeline":{"name":"azure","bucket":"mlpipeline"}}}\' > "$MAPPING";;',
            "  esac",
            "  exit 0",
            "fi",
            'printf "run %s\\n" "$*" >> "$LOG"',
        ].join("\n"),
        { mode: 0o755 },
    );
    const runScript = (extra: Record<string, string> = {}) =>
        spawnSync("/bin/sh", ["-c", REMOTE_SYNC_SCRIPT], {
            env: { PATH: `${dir}:${process.env.PATH ?? ""}`, LOG: log, MAPPING: mapping, ...extra },
            encoding: "utf8",
            timeout: 20000,
        });
    const logged = (): string[] => fs.readFileSync(log, "utf8").trim().split("\n");

    it("configures the remote without a key, mounts the container once, then runs the sync on the bucket", () => {
        const first = runScript();
        assert.equal(first.status, 0, first.stderr);
        assert.deepEqual(logged(), [
            "shell s3.bucket.list",
            "shell remote.configure -name=azure -type=azure",
            "shell remote.mount",
            "shell remote.mount -dir=/buckets/mlpipeline -remote=azure/mlpipeline -nonempty",
            "run filer.remote.sync -filer=127.0.0.1:8888 -dir=/buckets/mlpipeline",
        ]);
        // A restart finds the mapping (kept in the filer) and mounts nothing again.
        fs.writeFileSync(log, "");
        assert.equal(runScript().status, 0);
        assert.deepEqual(logged(), [
            "shell s3.bucket.list",
            "shell remote.configure -name=azure -type=azure",
            "shell remote.mount",
            "run filer.remote.sync -filer=127.0.0.1:8888 -dir=/buckets/mlpipeline",
        ]);
    });

    it("stops, without syncing, when weed shell prints an error (its exit status is always 0)", () => {
        fs.writeFileSync(log, "");
        fs.rmSync(mapping, { force: true });
        const failed = runScript({ FAIL_CONFIGURE: "1" });
        assert.notEqual(failed.status, 0);
        assert.match(failed.stderr, /error: configure failed/);
        assert.ok(!logged().some((l) => l.startsWith("run ")), logged().join("\n"));
    });

    it("is valid POSIX sh (dash -n)", () => {
        execFileSync("/bin/sh", ["-n", "-c", REMOTE_SYNC_SCRIPT]);
        assert.doesNotMatch(REMOTE_SYNC_SCRIPT, /account_key|AZURE_STORAGE_ACCESS_KEY/, "the key never reaches a weed command line or the filer");
    });
});

describe("the state key", () => {
    const resolve = (state: unknown, release = "26.03") =>
        resolveConfig(stackConfig("dev", { "kubeflow-azure:kubeflowRelease": release, "kubeflow-azure:state": state }), "dev", CONTEXT);

    it("takes the mode alone or an object, with the defaults and names unique per stack", () => {
        assert.deepEqual(resolve(undefined).state, { mode: "in-cluster" });
        const managed = resolve("managed").state;
        assert.equal(managed.mode, "managed");
        assert.ok(managed.mode === "managed");
        assert.equal(managed.mysqlSku, "Standard_B2ms");
        assert.equal(managed.backupRetentionDays, 7);
        assert.equal(managed.geoRedundantBackup, false);
        assert.equal(managed.mysqlHost, `${managed.mysqlServerName}.mysql.database.azure.com`);
        const custom = resolve({ mode: "managed", mysqlSku: "Standard_D2ads_v5", backupRetentionDays: 35, geoRedundantBackup: true }).state;
        assert.ok(custom.mode === "managed" && custom.backupRetentionDays === 35 && custom.geoRedundantBackup && custom.mysqlSku === "Standard_D2ads_v5");
    });

    it("derives names Azure accepts, for the longest deployment name too", () => {
        for (const name of ["kf-dev", "a-very-long-name-of-25-ch"]) {
            const names = managedStateNames(name, "81c493");
            assert.match(names.mysqlServerName, /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, names.mysqlServerName);
            assert.match(names.storageAccountName, /^[a-z0-9]{3,24}$/, names.storageAccountName);
        }
        // Different stacks, different names (the suffix is the stack's).
        assert.notEqual(managedStateNames("kf", "aaaaaa").storageAccountName, managedStateNames("kf", "bbbbbb").storageAccountName);
    });

    it("refuses high availability on a Burstable size, and takes it on the others", () => {
        assert.throws(
            () => resolve({ mode: "managed", highAvailability: true }),
            /state\.highAvailability: true: a standby server needs a General Purpose or Business Critical size; Standard_B2ms is Burstable/,
        );
        const ha = resolve({ mode: "managed", highAvailability: true, mysqlSku: "Standard_E4ds_v5" }).state;
        assert.ok(ha.mode === "managed" && ha.highAvailability);
        assert.ok(resolve("managed").state.mode === "managed" && !(resolve("managed").state as { highAvailability: boolean }).highAvailability);
    });

    it("reports every bad field at once, with the rule", () => {
        assert.throws(
            () => resolve({ mode: "cloud", mysqlSku: "Standard_F2s_v2", mysqlStorageGb: 10, backupRetentionDays: 40, geoRedundantBackup: "yes", size: 1 }),
            (e: ConfigError) => {
                assert.deepEqual(e.problems.map((p) => p.where).sort(), [
                    "kubeflow-azure:state.backupRetentionDays",
                    "kubeflow-azure:state.geoRedundantBackup",
                    "kubeflow-azure:state.mode",
                    "kubeflow-azure:state.mysqlSku",
                    "kubeflow-azure:state.mysqlStorageGb",
                    "kubeflow-azure:state.size",
                ]);
                assert.match(e.message, /state\.backupRetentionDays: 40: an integer from 1 to 35/);
                return true;
            },
        );
    });

    it("refuses managed state on the MinIO releases, saying why and what works", () => {
        for (const release of RELEASES.filter((r) => r.objectStore === "minio")) {
            assert.throws(
                () => resolve("managed", release.id),
                (e: ConfigError) => {
                    assert.equal(e.problems.length, 1);
                    assert.match(
                        e.message,
                        /state\.mode: "managed": Kubeflow .* MinIO RELEASE\.2019-08-14.*etcd.*SeaweedFS \(v1\.11\.0 or newer\); use in-cluster here/,
                    );
                    return true;
                },
                release.id,
            );
            assert.equal(resolve("in-cluster", release.id).state.mode, "in-cluster");
        }
    });

    it("refuses moving a deployed stack's state, both ways, and lets the same mode or a first deploy through", () => {
        assert.throws(
            () => refuseStateSwitch("managed", "in-cluster"),
            /state\.mode: "managed": this stack keeps its state in the cluster \(in-cluster\).*Set state\.mode back to in-cluster/s,
        );
        assert.throws(() => refuseStateSwitch("in-cluster", "managed"), /keeps its state in Azure Database for MySQL and Blob Storage \(managed\)/);
        for (const [configured, deployed] of [
            ["managed", "managed"],
            ["in-cluster", "in-cluster"],
            ["managed", undefined],
        ] as const) {
            assert.doesNotThrow(() => refuseStateSwitch(configured, deployed));
        }
    });

    it("takes a network range of the user's, refuses a bad one with the others, and keeps a deployed stack's range", () => {
        const managed = resolve({ mode: "managed", addressSpace: "172.20.0.0/20" }).state;
        assert.ok(managed.mode === "managed");
        assert.deepEqual(managed.network, { addressSpace: "172.20.0.0/20", nodes: "172.20.0.0/22", mysql: "172.20.4.0/28", endpoints: "172.20.4.16/28" });
        assert.ok(resolve("managed").state.mode === "managed");
        assert.equal((resolve("managed").state as { network: { addressSpace: string } }).network.addressSpace, "10.224.0.0/16");
        assert.throws(
            () => resolve({ mode: "managed", addressSpace: "10.244.0.0/16", backupRetentionDays: 0 }),
            (e: ConfigError) => {
                assert.deepEqual(
                    e.problems.map((p) => p.where).sort(),
                    ["kubeflow-azure:state.backupRetentionDays", "kubeflow-azure:state.addressSpace"].sort(),
                );
                assert.match(e.message, /state\.addressSpace: "10\.244\.0\.0\/16": a range clear of 10\.244\.0\.0\/16, the cluster's pod range/);
                return true;
            },
        );
        // An in-cluster stack makes no network, but a bad range is still a typo to report.
        assert.throws(() => resolve({ mode: "in-cluster", addressSpace: "10.224.0.0/8" }), /state\.addressSpace: "10\.224\.0\.0\/8": a \/16 to a \/24/);
        assert.throws(
            () => refuseNetworkMove("172.20.0.0/20", "10.224.0.0/16"),
            /state\.addressSpace: "172\.20\.0\.0\/20": this stack's nodes, MySQL server and storage endpoint are in 10\.224\.0\.0\/16.*Set state\.addressSpace back to 10\.224\.0\.0\/16/s,
        );
        assert.doesNotThrow(() => refuseNetworkMove("172.20.0.0/20", "172.20.0.0/20"));
        assert.doesNotThrow(() => refuseNetworkMove("172.20.0.0/20", undefined));
    });
});

describe("managed state under the program (prod stack)", { skip: skipWithoutRenders() }, () => {
    let mocks: Mocks;
    const T = {
        server: "azure-native:dbformysql:Server",
        database: "azure-native:dbformysql:Database",
        configuration: "azure-native:dbformysql:Configuration",
        subnet: "azure-native:network:Subnet",
        account: "azure-native:storage:StorageAccount",
        blob: "azure-native:storage:BlobServiceProperties",
        container: "azure-native:storage:BlobContainer",
        endpoint: "azure-native:network:PrivateEndpoint",
        zone: "azure-native:privatedns:PrivateZone",
        zoneGroup: "azure-native:network:PrivateDnsZoneGroup",
        cluster: "azure-native:containerservice:ManagedCluster",
        pool: "azure-native:containerservice:AgentPool",
        role: "azure-native:authorization:RoleAssignment",
        secret: "kubernetes:core/v1:Secret",
        group: "kubernetes:yaml/v2:ConfigGroup",
        component: "kubeflow-azure:azure:ManagedState",
    };
    const prod = async (id: string, overrides: Record<string, unknown> = {}) => {
        const release = findRelease(id);
        assert.ok(release);
        return runProgram(mocks, { stack: "prod", rendered: realRelease(release), overrides: { ...releaseConfig(release), ...overrides } });
    };
    /** Resources under the ManagedState component. */
    const stateResources = (): RecordedResource[] => {
        const component = mocks.one(T.component);
        return mocks.resources.filter((r) => r.parent === component.urn);
    };
    const plain = (v: unknown): unknown => (isSecretValue(v) ? v.value : v);

    before(async () => {
        mocks = await installMocks({ stack: "prod" });
    });

    for (const id of seaweedReleases()) {
        it(`${id}: a private MySQL flexible server with backups, its databases, and a private, versioned Blob container`, async () => {
            await prod(id);
            const server = mocks.one(T.server);
            const subnets = mocks.ofType(T.subnet);
            const subnet = (part: string): RecordedResource => subnets.find((s) => s.name.endsWith(part)) as RecordedResource;
            const id_ = (r: RecordedResource): string =>
                `/subscriptions/${MOCK.subscriptionId}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/${String(r.inputs.virtualNetworkName)}/subnets/${r.name}cdef`;
            const mysqlZone = mocks.ofType(T.zone).find((z) => String(z.inputs.privateZoneName).endsWith(".private.mysql.database.azure.com"));
            assert.ok(mysqlZone);
            assert.deepEqual(server.inputs.network, {
                delegatedSubnetResourceId: id_(subnet("-mysql")),
                privateDnsZoneResourceId: `${mysqlZone.name}-id`,
                publicNetworkAccess: "Disabled",
            });
            assert.equal(server.inputs.version, "8.0.21");
            assert.deepEqual(server.inputs.sku, { name: "Standard_D2ads_v5", tier: "GeneralPurpose" });
            // Pulumi.prod.yaml: 14 days, geo-redundant, a standby in another zone (prod has zones).
            assert.deepEqual(server.inputs.backup, { backupRetentionDays: 14, geoRedundantBackup: "Enabled" });
            assert.deepEqual(server.inputs.highAvailability, { mode: "ZoneRedundant" });
            assert.ok(isSecretValue(server.inputs.administratorLoginPassword), "the password is a secret");
            assert.equal(server.protect, true);
            assert.deepEqual(subnet("-mysql").inputs.delegations, [{ name: "mysql-flexible-servers", serviceName: "Microsoft.DBforMySQL/flexibleServers" }]);
            const transport = mocks.one(T.configuration);
            assert.deepEqual([transport.inputs.configurationName, transport.inputs.value], ["require_secure_transport", "OFF"]);
            assert.deepEqual(
                mocks.ofType(T.database).map((d) => d.inputs.databaseName),
                [...MANAGED_DATABASES],
            );

            const account = mocks.one(T.account);
            assert.equal(account.inputs.publicNetworkAccess, "Disabled");
            assert.equal(account.inputs.allowBlobPublicAccess, false);
            assert.equal(account.inputs.minimumTlsVersion, "TLS1_2");
            assert.equal(account.inputs.enableHttpsTrafficOnly, true);
            assert.deepEqual(account.inputs.sku, { name: "Standard_GZRS" }, "prod: zones and geo-redundancy");
            const blob = mocks.one(T.blob);
            assert.equal(blob.inputs.isVersioningEnabled, true);
            assert.deepEqual(blob.inputs.deleteRetentionPolicy, { enabled: true, days: 14 });
            assert.deepEqual(blob.inputs.containerDeleteRetentionPolicy, { enabled: true, days: 14 });
            assert.equal(mocks.one(T.container).inputs.publicAccess, "None");
            const endpoint = mocks.one(T.endpoint);
            assert.deepEqual((endpoint.inputs.privateLinkServiceConnections as { groupIds: string[] }[])[0].groupIds, ["blob"]);
            assert.equal((endpoint.inputs.subnet as { id: string }).id, id_(subnet("-endpoints")));
            const blobZone = mocks.ofType(T.zone).find((z) => z.inputs.privateZoneName === "privatelink.blob.core.windows.net");
            assert.ok(blobZone);
            assert.deepEqual(mocks.one(T.zoneGroup).inputs.privateDnsZoneConfigs, [{ name: "blob", privateDnsZoneId: `${blobZone.name}-id` }]);
        });

        it(`${id}: the cluster's nodes join the state network; the applied objects and Secrets point at the server and the account`, async () => {
            await prod(id);
            const nodes = mocks.ofType(T.subnet).find((s) => s.name.endsWith("-nodes")) as RecordedResource;
            const nodesId = `/subscriptions/${MOCK.subscriptionId}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/${String(nodes.inputs.virtualNetworkName)}/subnets/${nodes.name}cdef`;
            const cluster = mocks.one(T.cluster);
            assert.equal((cluster.inputs.agentPoolProfiles as { vnetSubnetID?: string }[])[0].vnetSubnetID, nodesId);
            for (const pool of mocks.ofType(T.pool)) {
                assert.equal(pool.inputs.vnetSubnetID, nodesId, pool.name);
            }
            const role = mocks.one(T.role, "subnet-role");
            assert.equal(role.inputs.scope, nodesId);
            assert.ok(cluster.dependencies.includes(role.urn), "the cluster waits on its role on the subnet");

            // What the platform applies, read back from its groups.
            const applied = mocks.ofType(T.group).flatMap(groupObjects);
            const config = applied.find((o) => isKind(o, "", "ConfigMap", "kubeflow", "pipeline-install-config"));
            assert.ok(config);
            const server = mocks.one(T.server);
            const host = `${String(server.inputs.serverName)}.mysql.database.azure.com`;
            assert.deepEqual([configMapData(config).dbHost, configMapData(config).mysqlHost], [host, host]);
            assert.equal(resolvedEnv(applied, "katib-db-manager", "KATIB_MYSQL_DB_HOST"), host);
            for (const gone of ["mysql", "katib-mysql"]) {
                assert.ok(!applied.some((o) => isKind(o, "apps", "Deployment", "kubeflow", gone)), gone);
            }
            assert.ok(!mocks.ofType("kubernetes:core/v1:PersistentVolumeClaim").some((p) => /mysql/.test(p.name)), "no database volume");
            // The Secrets: applied apart from the groups, secret, filled from Azure's outputs, after the state.
            const secret = (name: string): RecordedResource => {
                const found = mocks.ofType(T.secret).filter((s) => s.name.endsWith(`-state-kubeflow-${name}`));
                assert.equal(found.length, 1, name);
                return found[0];
            };
            const values = (name: string): Record<string, string> => {
                const data = secret(name).inputs.stringData;
                assert.ok(isSecretValue(data), `${name}: stringData is secret`);
                return plain(data) as Record<string, string>;
            };
            assert.deepEqual(values("mysql-secret"), { username: "kfp", password: MOCK.randomPassword });
            assert.deepEqual(values("katib-mysql-secrets"), { MYSQL_ROOT_PASSWORD: MOCK.randomPassword });
            assert.deepEqual(values(MYSQL_ADMIN_SECRET), { username: "kubeflow", password: MOCK.randomPassword });
            // The accounts Job runs after its Secrets, and every phase after the first waits for it.
            const job = mocks.one("kubernetes:batch/v1:Job", MYSQL_USERS_JOB);
            assert.equal(job.deleteBeforeReplace, true);
            for (const name of ["mysql-secret", "katib-mysql-secrets", MYSQL_ADMIN_SECRET]) {
                assert.ok(job.dependencies.includes(secret(name).urn), `the Job waits on ${name}`);
            }
            const phases = mocks.ofType(T.group).filter((g) => /-kubeflow-phase-[1-9]\d*$/.test(g.name));
            assert.ok(phases.length > 2);
            for (const phase of phases) {
                assert.ok(mocks.transitiveDependencies(phase.urn).has(job.urn), `${phase.name} waits on the accounts`);
            }
            assert.deepEqual(values(ARTIFACT_STORE_SECRET), {
                AZURE_STORAGE_ACCOUNT: String(mocks.one(T.account).inputs.accountName),
                AZURE_STORAGE_ACCESS_KEY: MOCK.storageKey,
            });
            for (const name of ["mysql-secret", "katib-mysql-secrets"]) {
                assert.ok(!applied.some((o) => isKind(o, "", "Secret", "kubeflow", name)), `${name} is not in a group`);
                const deps = mocks.transitiveDependencies(secret(name).urn);
                for (const database of mocks.ofType(T.database)) {
                    assert.ok(deps.has(database.urn), `${name} waits on ${database.name}`);
                }
            }
        });
    }

    it("nothing of the state waits on the cluster, and a change of the cluster changes no input of it", async () => {
        const id = seaweedReleases().at(-1) as string;
        await prod(id);
        const clusterSide = new Set(
            mocks.resources.filter((r) => /-cluster-/.test(r.name) || r.type === T.cluster || r.type === "pulumi:providers:kubernetes").map((r) => r.urn),
        );
        assert.ok(clusterSide.size > 5);
        const first = new Map(stateResources().map((r) => [r.name, JSON.stringify(r.inputs)]));
        assert.ok(first.size >= 20, `${first.size} state resources`);
        for (const r of stateResources()) {
            for (const dep of mocks.transitiveDependencies(r.urn)) {
                assert.ok(!clusterSide.has(dep), `${r.name} waits on ${dep}`);
            }
        }
        // A cluster that AKS must rebuild (another node pool size, tier, Kubernetes minor, zones of the user pool): the same state.
        await prod(id, {
            "kubeflow-azure:systemPool": { vmSize: "Standard_D8s_v5", count: 5 },
            "kubeflow-azure:clusterTier": "Free",
            "kubeflow-azure:kubernetesVersion": "1.33",
            "kubeflow-azure:userPool": { vmSize: "Standard_E8s_v5", minCount: 0, maxCount: 4, spot: true },
        });
        assert.notEqual(JSON.stringify(mocks.one(T.cluster).inputs), "", "the cluster changed");
        const second = new Map(stateResources().map((r) => [r.name, JSON.stringify(r.inputs)]));
        assert.deepEqual([...second.keys()].sort(), [...first.keys()].sort());
        for (const [name, inputs] of first) {
            assert.equal(second.get(name), inputs, name);
        }
    });

    it("without zones, a standby in the same zone; without high availability, none", async () => {
        const id = seaweedReleases().at(-1) as string;
        await prod(id, { "kubeflow-azure:zones": [] });
        assert.deepEqual(mocks.one(T.server).inputs.highAvailability, { mode: "SameZone" });
        assert.deepEqual(mocks.one(T.account).inputs.sku, { name: "Standard_GRS" }, "geo-redundant, not zone-redundant");
        await prod(id, { "kubeflow-azure:state": { mode: "managed", mysqlSku: "Standard_B2ms", geoRedundantBackup: false } });
        assert.deepEqual(mocks.one(T.server).inputs.highAvailability, { mode: "Disabled" });
        assert.deepEqual(mocks.one(T.account).inputs.sku, { name: "Standard_ZRS" });
        assert.deepEqual(mocks.one(T.server).inputs.sku, { name: "Standard_B2ms", tier: "Burstable" });
    });

    it("puts the network, its subnets and the exported range in the configured range", async () => {
        const id = seaweedReleases().at(-1) as string;
        const deployment = await prod(id, { "kubeflow-azure:state": { mode: "managed", mysqlSku: "Standard_D2ads_v5", addressSpace: "192.168.16.0/20" } });
        assert.deepEqual(mocks.one("azure-native:network:VirtualNetwork").inputs.addressSpace, { addressPrefixes: ["192.168.16.0/20"] });
        assert.deepEqual(Object.fromEntries(mocks.ofType(T.subnet).map((s) => [s.name.split("-").at(-1), s.inputs.addressPrefix])), {
            nodes: "192.168.16.0/22",
            mysql: "192.168.20.0/28",
            endpoints: "192.168.20.16/28",
        });
        assert.equal(await new Promise((r) => deployment.outputs.stateAddressSpace.apply(r)), "192.168.16.0/20");
    });

    it("exports the state's mode and where it is; a dev stack keeps it in the cluster with no Azure state and no subnet", async () => {
        const id = seaweedReleases().at(-1) as string;
        const deployment = await prod(id);
        const value = (o: pulumi.Output<string>): Promise<string> => new Promise((r) => o.apply(r));
        assert.equal(await value(deployment.outputs.state), "managed");
        assert.equal(await value(deployment.outputs.stateAddressSpace), "10.224.0.0/16");
        // The names and ids of what the state's resources are, as Azure reports them (the mocks' answers).
        const group = mocks.resources.find((r) => r.type === "azure-native:resources:ResourceGroup" && r.parent === mocks.one(T.component).urn);
        assert.ok(group);
        assert.ok((await value(deployment.outputs.stateResourceGroupName)).startsWith(group.name), "the group's name as Azure gives it");
        const vnet = mocks.one("azure-native:network:VirtualNetwork");
        assert.match(await value(deployment.outputs.stateNetworkId), new RegExp(`/providers/Microsoft\\.Network/virtualNetworks/${vnet.name}`));
        assert.equal(await value(deployment.outputs.stateMysqlServerName), String(mocks.one(T.server).inputs.serverName));
        assert.match(await value(deployment.outputs.stateMysqlServerName), /^kf-prod-[0-9a-f]{6}-mysql$/);
        assert.equal(await value(deployment.outputs.stateStorageAccountName), String(mocks.one(T.account).inputs.accountName));
        const dev = await runProgram(mocks, { stack: "dev", rendered: miniRelease(), overrides: templateValues("dev") });
        assert.equal(await value(dev.outputs.state), "in-cluster");
        for (const key of ["stateAddressSpace", "stateResourceGroupName", "stateNetworkId", "stateMysqlServerName", "stateStorageAccountName"] as const) {
            assert.equal(await value(dev.outputs[key]), "", key);
        }
        assert.equal(mocks.ofType(T.component).length, 0);
        assert.equal((mocks.one(T.cluster).inputs.agentPoolProfiles as { vnetSubnetID?: string }[])[0].vnetSubnetID, undefined);
        assert.ok(mocks.resources.some((r) => r.type === T.secret || r.type === T.group));
    });

    it("refuses, before any resource, an update that would move a deployed stack's state", async () => {
        const program = await import("../program");
        const config = await import("../config");
        const release = findRelease(seaweedReleases().at(-1) as string);
        assert.ok(release);
        const cfg = config.resolveConfig(stackConfig("prod", { ...templateValues("prod"), ...releaseConfig(release) }), "prod", CONTEXT);
        mocks.reset();
        assert.throws(
            () => program.deploy(cfg, realRelease(release), { deployedRelease: release.id, deployedState: "in-cluster" }),
            /kubeflow-azure:state\.mode: "managed": this stack keeps its state in the cluster/,
        );
        assert.throws(
            () =>
                program.deploy(cfg, realRelease(release), {
                    deployedRelease: release.id,
                    deployedState: "managed",
                    deployedStateAddressSpace: "172.20.0.0/20",
                }),
            /kubeflow-azure:state\.addressSpace: "10\.224\.0\.0\/16": this stack's nodes, MySQL server and storage endpoint are in 172\.20\.0\.0\/20/,
        );
        await mocks.settle();
        assert.equal(mocks.resources.length, 0, "nothing registered");
    });
});

describe("the state a stack runs, read from the stack itself", () => {
    it("is the state output, and in-cluster for a stack deployed before the output existed", async () => {
        await installMocks();
        const { deployedStack } = await import("../components/deployed-release");
        // The mocks answer every StackReference with this program's outputs (tools/mock-answers.ts).
        assert.deepEqual(await deployedStack(), { release: "26.03", state: "in-cluster" });
    });

    it("is the managed network's range, the only range there was for a stack deployed before the output existed", async () => {
        const { readDeployedStack } = await import("../components/deployed-release");
        assert.deepEqual(readDeployedStack("26.03", "managed", "172.20.0.0/20"), { release: "26.03", state: "managed", stateAddressSpace: "172.20.0.0/20" });
        assert.deepEqual(readDeployedStack("26.03", "managed", undefined), { release: "26.03", state: "managed", stateAddressSpace: "10.224.0.0/16" });
        assert.deepEqual(readDeployedStack("v1.10.2", undefined, undefined), { release: "v1.10.2", state: "in-cluster" });
        assert.deepEqual(readDeployedStack(undefined, undefined, undefined), {});
    });
});
