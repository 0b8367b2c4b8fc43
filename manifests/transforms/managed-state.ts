/**
 * Managed state, the Kubernetes side: the release's objects pointed at an Azure Database
 * for MySQL flexible server and, through SeaweedFS's remote storage, at a Blob container
 * (components/managed-state.ts creates both). Pure, over plain objects.
 *
 * What each component reads, from the renders of v1.11.0 and 26.03 (KFP 2.15, Katib
 * 0.19) and the sources at their tags:
 * - KFP's API server: DBCONFIG_MYSQLCONFIG_HOST/PORT from pipeline-install-config's
 *   `mysqlHost`/`mysqlPort`, DBCONFIG_HOST/PORT from `dbHost`/`dbPort`, the user and
 *   password from mysql-secret. The cache server and ml-metadata's server read `dbHost`,
 *   `dbPort` and mysql-secret. All three name their database in the same ConfigMap.
 * - Katib's DB manager: KATIB_MYSQL_DB_HOST, KATIB_MYSQL_DB_PORT, KATIB_MYSQL_DB_DATABASE
 *   and DB_USER, each with a default naming the in-cluster katib-mysql, and DB_PASSWORD
 *   from katib-mysql-secrets (katib pkg/db/v1beta1/mysql/mysql.go, pkg/util/v1beta1/env).
 * - Neither ml-metadata's server (its MySQL flags have no TLS option; TLS only through a
 *   config file of the whole connection) nor Katib's DSN speaks TLS, so the server does
 *   not require it and the connection stays inside the stack's network (private access).
 * - The API server and the cache server do speak it, and are made to, verifying the
 *   server's certificate against the image's CA bundle for the host name they dial
 *   (MYSQL_TLS below).
 *
 * The Secrets carry values that exist only once Azure made them (the password, the
 * storage key): they leave the big groups and come back as ExternalSecrets the component
 * fills from Pulumi outputs.
 */
import { isKind, mapContainers, podContainers, podTemplate, withContainerEnv } from "../kube";
import { KubeObject, Problem, formatProblems, objectKey } from "../types";

/** The databases the pipelines (mlpipeline, cachedb, metadb) and Katib (katib) use, created with the server. */
export const MANAGED_DATABASES = ["mlpipeline", "cachedb", "metadb", "katib"] as const;

export const MYSQL_PORT = 3306;

/** The server's administrator, the one MySQL account the pipelines and Katib log in as. */
export const MYSQL_ADMIN = "kubeflow";

/** The Blob container of the pipelines' artifacts: the bucket's name, so a key means the same in both. */
export const ARTIFACT_CONTAINER = "mlpipeline";

/** The host name of a flexible server; with private access it resolves, from the network, to the server's address. */
export function mysqlHost(serverName: string): string {
    return `${serverName}.mysql.database.azure.com`;
}

/** A value the component fills in from the managed state's outputs, or one known now. */
export type StateValue =
    "mysql-admin-user" | "mysql-admin-password" | "kfp-password" | "katib-password" | "storage-account" | "storage-key" | { readonly literal: string };

/** A Secret whose values come from the managed state, applied apart from the big groups. */
export interface ExternalSecret {
    /** The Secret without data. */
    readonly object: KubeObject;
    readonly values: Readonly<Record<string, StateValue>>;
}

export interface ManagedStateTarget {
    /** The server's host name (mysqlHost). */
    readonly mysqlHost: string;
}

export interface ManagedStatePlan {
    readonly objects: KubeObject[];
    readonly secrets: readonly ExternalSecret[];
    /** The Job that gives the pipelines and Katib their own MySQL accounts, run before any of them starts. */
    readonly setup: readonly KubeObject[];
    /** What was taken out (the in-cluster databases), for the plan's report. */
    readonly dropped: readonly string[];
}

/** The pipelines' MySQL account (API server, cache server, ml-metadata share mysql-secret): their three databases only. */
export const KFP_DB_USER = "kfp";
/** Katib's MySQL account: its database only. */
export const KATIB_DB_USER = "katib";
/** Which account may do what: each component's databases, nothing else. */
export const DATABASE_GRANTS: Readonly<Record<string, readonly string[]>> = {
    [KFP_DB_USER]: ["mlpipeline", "cachedb", "metadb"],
    [KATIB_DB_USER]: ["katib"],
};
/** The Secret with the server administrator's login, read only by the accounts Job. */
export const MYSQL_ADMIN_SECRET = "kubeflow-azure-mysql-admin";
export const MYSQL_USERS_JOB = "kubeflow-azure-mysql-users";

const NS = "kubeflow";

/** The in-cluster databases and what serves only them: gone with managed state. */
const IN_CLUSTER_DATABASE = [
    ["apps", "Deployment", "mysql"],
    ["", "Service", "mysql"],
    ["", "ServiceAccount", "mysql"],
    ["", "PersistentVolumeClaim", "mysql-pv-claim"],
    ["networking.istio.io", "DestinationRule", "ml-pipeline-mysql"],
    ["security.istio.io", "AuthorizationPolicy", "mysql"],
    ["apps", "Deployment", "katib-mysql"],
    ["", "Service", "katib-mysql"],
    ["", "PersistentVolumeClaim", "katib-mysql"],
] as const;

/** Pods that open MySQL connections: their sidecars pass port 3306 by (a server-first protocol Istio cannot sniff). */
const DATABASE_CLIENTS = ["ml-pipeline", "cache-server", "metadata-grpc-deployment", "katib-db-manager"] as const;

/** Istio's annotation: outbound ports the sidecar's iptables rules leave alone. */
export const EXCLUDE_OUTBOUND_PORTS = "traffic.sidecar.istio.io/excludeOutboundPorts";

/**
 * The pipelines' API server and cache server connect to MySQL over TLS with verification.
 * Both build their DSN with go-sql-driver/mysql 1.9.2's FormatDSN from a params map that
 * takes "extra params", and open it with sql.Open, whose ParseDSN reads `tls=true` as a
 * TLS config with the system's roots and the dialled host as ServerName (KFP 2.15.0 and
 * 2.16.0: backend/src/apiserver/client/sql.go CreateMySQLConfig, client_manager.go
 * initDBDriver; go-sql-driver dsn.go parseDSNParams, normalize).
 * - API server: viper reads DBConfig.MySQLConfig.ExtraParams from the environment
 *   (DBCONFIG_MYSQLCONFIG_EXTRAPARAMS, key replacer "." -> "_") and casts the string with
 *   json.Unmarshal into map[string]string (apiserver/common/config.go GetMapConfig; cast
 *   1.9.2 toMapE): the value must be a JSON object of strings, or it is dropped in silence.
 * - Cache server: its `--db_extra_params` flag, json.Unmarshal'd the same way, error
 *   ignored (backend/src/cache/main.go, client_manager.go).
 * The certificate names `<server>.mysql.database.azure.com`, the host both dial (Microsoft,
 * "Connect to Azure Database for MySQL - Flexible Server with encrypted connections");
 * it chains to DigiCert roots that the API server's image (debian:stable with
 * ca-certificates, backend/Dockerfile) and the cache server's (alpine, whose base image
 * carries the CA bundle, backend/Dockerfile.cacheserver) both hold.
 */
export const MYSQL_TLS = { tls: "true" } as const;
export const API_SERVER_EXTRA_PARAMS_ENV = "DBCONFIG_MYSQLCONFIG_EXTRAPARAMS";
export const CACHE_SERVER_EXTRA_PARAMS_FLAG = "--db_extra_params";
const API_SERVER = "ml-pipeline";
const CACHE_SERVER = "cache-server";

export const PIPELINE_CONFIG = "pipeline-install-config";
export const PIPELINE_DB_SECRET = "mysql-secret";
export const KATIB_DB_SECRET = "katib-mysql-secrets";
export const KATIB_DB_MANAGER = "katib-db-manager";

/**
 * The release's objects with managed state: the in-cluster databases dropped, every
 * client pointed at the server, the database Secrets handed out. Throws, naming every
 * missing piece, on a render that lacks what the pipelines or Katib read.
 */
export function useManagedDatabase(objects: readonly KubeObject[], target: ManagedStateTarget): ManagedStatePlan {
    const problems: Problem[] = [];
    const find = (group: string, kind: string, name: string): KubeObject | undefined => objects.find((o) => isKind(o, group, kind, NS, name));
    for (const [group, kind, name] of [
        ["", "ConfigMap", PIPELINE_CONFIG],
        ["", "Secret", PIPELINE_DB_SECRET],
        ["", "Secret", KATIB_DB_SECRET],
        ["apps", "Deployment", KATIB_DB_MANAGER],
        ["apps", "Deployment", API_SERVER],
        ["apps", "Deployment", CACHE_SERVER],
    ] as const) {
        if (!find(group, kind, name)) {
            problems.push({ where: `${NS}/${name}`, value: "(missing)", rule: `managed state points this ${kind} at the MySQL server; the render has none` });
        }
    }
    const cache = find("apps", "Deployment", CACHE_SERVER);
    if (cache && !podContainers(cache).some(isCacheServerContainer)) {
        problems.push({
            where: `${NS}/${CACHE_SERVER}`,
            value: "(no container with --db_host)",
            rule: "managed state gives the cache server's container its TLS setting next to its database flags",
        });
    }
    const config = find("", "ConfigMap", PIPELINE_CONFIG);
    for (const key of ["dbHost", "dbPort", "mysqlHost", "mysqlPort"]) {
        if (config && typeof (config.data as Record<string, unknown> | undefined)?.[key] !== "string") {
            problems.push({ where: `${NS}/${PIPELINE_CONFIG}`, value: `(no ${key})`, rule: "the pipelines read the database's address here" });
        }
    }
    if (problems.length > 0) {
        throw new Error(
            formatProblems("managed state: the render lacks what the pipelines and Katib read their database from; nothing was created:", problems),
        );
    }

    const dropped: string[] = [];
    const isDropped = (o: KubeObject): boolean => IN_CLUSTER_DATABASE.some(([group, kind, name]) => isKind(o, group, kind, NS, name));
    const secrets: ExternalSecret[] = [];
    const out: KubeObject[] = [];
    for (const o of objects) {
        if (isDropped(o)) {
            dropped.push(objectKey(o));
            continue;
        }
        if (isKind(o, "", "Secret", NS, PIPELINE_DB_SECRET)) {
            secrets.push({ object: withoutData(o), values: { username: { literal: KFP_DB_USER }, password: "kfp-password" } });
            continue;
        }
        if (isKind(o, "", "Secret", NS, KATIB_DB_SECRET)) {
            // The key's name is upstream's; the value is the katib account's password.
            secrets.push({ object: withoutData(o), values: { MYSQL_ROOT_PASSWORD: "katib-password" } });
            continue;
        }
        if (isKind(o, "", "ConfigMap", NS, PIPELINE_CONFIG)) {
            const port = String(MYSQL_PORT);
            out.push({
                ...o,
                data: { ...(o.data as Record<string, string>), dbHost: target.mysqlHost, dbPort: port, mysqlHost: target.mysqlHost, mysqlPort: port },
            });
            continue;
        }
        let next = o;
        if (isKind(o, "apps", "Deployment", NS, KATIB_DB_MANAGER)) {
            next = withContainerEnv(o, {
                DB_USER: KATIB_DB_USER,
                KATIB_MYSQL_DB_HOST: target.mysqlHost,
                KATIB_MYSQL_DB_PORT: String(MYSQL_PORT),
                KATIB_MYSQL_DB_DATABASE: "katib",
            });
        }
        if (isKind(o, "apps", "Deployment", NS, API_SERVER)) {
            next = withContainerEnv(o, { [API_SERVER_EXTRA_PARAMS_ENV]: JSON.stringify(MYSQL_TLS) });
        }
        if (isKind(o, "apps", "Deployment", NS, CACHE_SERVER)) {
            next = withCacheServerTls(o);
        }
        if (isKind(next, "apps", "Deployment", NS) && (DATABASE_CLIENTS as readonly string[]).includes(next.metadata.name)) {
            next = withPodAnnotation(next, EXCLUDE_OUTBOUND_PORTS, String(MYSQL_PORT));
        }
        out.push(next);
    }
    const image = podImage(objects.find((o) => isKind(o, "apps", "Deployment", NS, "katib-mysql"))) ?? MYSQL_CLIENT_IMAGE;
    const admin: ExternalSecret = {
        object: { apiVersion: "v1", kind: "Secret", metadata: { name: MYSQL_ADMIN_SECRET, namespace: NS, labels: MANAGED_BY }, type: "Opaque" },
        values: { username: "mysql-admin-user", password: "mysql-admin-password" },
    };
    return { objects: out, secrets: [admin, ...secrets], setup: [mysqlUsersJob(target.mysqlHost, image)], dropped };
}

/** The cache server's own container: the one given the database's flags. */
function isCacheServerContainer(c: { args?: unknown }): boolean {
    return Array.isArray(c.args) && c.args.some((a) => typeof a === "string" && a.startsWith("--db_host="));
}

/** The cache server's container with `--db_extra_params` set to MYSQL_TLS (any earlier value replaced). */
function withCacheServerTls(o: KubeObject): KubeObject {
    const flag = `${CACHE_SERVER_EXTRA_PARAMS_FLAG}=${JSON.stringify(MYSQL_TLS)}`;
    return mapContainers(o, (c) =>
        isCacheServerContainer(c) ? { ...c, args: [...(c.args ?? []).filter((a) => !a.startsWith(`${CACHE_SERVER_EXTRA_PARAMS_FLAG}=`)), flag] } : c,
    );
}

const MANAGED_BY = { "app.kubernetes.io/managed-by": "kubeflow-azure" };
/** The MySQL client when the render has no MySQL image of its own to reuse (Katib's `mysql:8.0`). */
const MYSQL_CLIENT_IMAGE = "mysql:8.0";

function podImage(o: KubeObject | undefined): string | undefined {
    if (!o) {
        return undefined;
    }
    return (podTemplate(o)?.spec as { containers?: { image?: string }[] } | undefined)?.containers?.[0]?.image;
}

/**
 * The SQL the accounts Job runs as the administrator: each account created with
 * mysql_native_password (ml-metadata 1.14's client speaks nothing else:
 * google/ml-metadata#178), its password set again on every run (so a new password takes
 * effect), and all privileges on its own databases only. The passwords are letters and
 * digits (components/managed-state.ts), so they sit in quotes as they are.
 */
export const MYSQL_USERS_SCRIPT = [
    "set -eu",
    'export MYSQL_PWD="$ADMIN_PASSWORD"',
    'mysql --host="$MYSQL_HOST" --port=3306 --user="$ADMIN_USER" --connect-timeout=10 <<SQL',
    ...Object.entries(DATABASE_GRANTS).flatMap(([user, databases]) => {
        const password = `$${user.toUpperCase()}_PASSWORD`;
        return [
            `CREATE USER IF NOT EXISTS '${user}'@'%' IDENTIFIED WITH mysql_native_password BY '${password}';`,
            `ALTER USER '${user}'@'%' IDENTIFIED WITH mysql_native_password BY '${password}';`,
            // Plain identifiers, never backquoted: the heredoc is unquoted (for the passwords), and
            // the shell would run a backquoted name as a command.
            ...databases.map((db) => `GRANT ALL PRIVILEGES ON ${db}.* TO '${user}'@'%';`),
        ];
    }),
    "SQL",
    'echo "MySQL accounts ready: ' + Object.keys(DATABASE_GRANTS).join(", ") + '"',
].join("\n");

/**
 * The Job that makes the components' own accounts on the server, from inside the cluster
 * (the server has no public endpoint, so Pulumi cannot reach it). No sidecar (a Job whose
 * pod keeps an Istio proxy never completes), restricted Pod Security.
 */
export function mysqlUsersJob(host: string, image: string): KubeObject {
    const fromSecret = (name: string, secret: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });
    return {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: MYSQL_USERS_JOB, namespace: NS, labels: MANAGED_BY },
        spec: {
            backoffLimit: 6,
            template: {
                metadata: { labels: { ...MANAGED_BY, "app.kubernetes.io/name": MYSQL_USERS_JOB, "sidecar.istio.io/inject": "false" } },
                spec: {
                    restartPolicy: "OnFailure",
                    automountServiceAccountToken: false,
                    securityContext: { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [
                        {
                            name: "accounts",
                            image,
                            command: ["/bin/sh", "-c", MYSQL_USERS_SCRIPT],
                            env: [
                                { name: "MYSQL_HOST", value: host },
                                fromSecret("ADMIN_USER", MYSQL_ADMIN_SECRET, "username"),
                                fromSecret("ADMIN_PASSWORD", MYSQL_ADMIN_SECRET, "password"),
                                fromSecret("KFP_PASSWORD", PIPELINE_DB_SECRET, "password"),
                                fromSecret("KATIB_PASSWORD", KATIB_DB_SECRET, "MYSQL_ROOT_PASSWORD"),
                            ],
                            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true },
                            resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
                        },
                    ],
                },
            },
        },
    };
}

function withoutData(o: KubeObject): KubeObject {
    const { data: _data, stringData: _stringData, ...rest } = o;
    return rest;
}

/** A workload whose pod template carries the annotation (an existing value of it extended, comma-separated). */
export function withPodAnnotation(o: KubeObject, key: string, value: string): KubeObject {
    const template = podTemplate(o) ?? {};
    const metadata = (template.metadata ?? {}) as { annotations?: Record<string, string> };
    const existing = metadata.annotations?.[key];
    const merged = existing && !existing.split(",").includes(value) ? `${existing},${value}` : value;
    const spec = o.spec as Record<string, unknown>;
    return {
        ...o,
        spec: { ...spec, template: { ...template, metadata: { ...metadata, annotations: { ...metadata.annotations, [key]: merged } } } },
    };
}

/** The Secret the object store's Azure client reads its account and key from (env, never SeaweedFS's own config). */
export const ARTIFACT_STORE_SECRET = "kubeflow-azure-artifact-store";
/** The name of the remote in SeaweedFS (letters and digits only). */
const REMOTE = "azure";
const BUCKET_DIR = `/buckets/${ARTIFACT_CONTAINER}`;

/**
 * The sidecar's script. SeaweedFS 4.00's `weed shell` reads commands on stdin and always
 * exits 0, printing `error: ...` on a failed command (weed/shell/shell_liner.go), so
 * every step's output is checked. `remote.configure` names no account or key: SeaweedFS's
 * Azure client then reads AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_ACCESS_KEY from the
 * environment (weed/remote_storage/azure/azure_storage_client.go), and the key never
 * lands in the filer, whose HTTP port answers unauthenticated. `remote.mount` pulls the
 * container's listing (after a cluster replacement, every artifact the old one wrote)
 * and is run once per mapping; `-nonempty` keeps what KFP wrote before the mount, which
 * the sync replays from the bucket's creation. `weed filer.remote.sync` then uploads
 * every write and delete under the bucket, resuming from its offset in the filer after a
 * restart (weed/command/filer_remote_sync_dir.go, weed/remote_storage/track_sync_offset.go).
 */
export const REMOTE_SYNC_SCRIPT = [
    "set -eu",
    "shell() { out=$(printf '%s\\n' \"$1\" | weed shell 2>&1); if printf '%s\\n' \"$out\" | grep -q '^error:'; then printf '%s\\n' \"$out\" >&2; return 1; fi; printf '%s\\n' \"$out\"; }",
    // The main container's postStart creates the bucket once the server answers.
    `until printf 's3.bucket.list\\n' | weed shell 2>/dev/null | grep -qw ${ARTIFACT_CONTAINER}; do sleep 2; done`,
    `shell 'remote.configure -name=${REMOTE} -type=azure' >/dev/null`,
    `if ! shell 'remote.mount' | grep -q '"${BUCKET_DIR}"'; then`,
    `  shell 'remote.mount -dir=${BUCKET_DIR} -remote=${REMOTE}/${ARTIFACT_CONTAINER} -nonempty'`,
    "fi",
    `exec weed filer.remote.sync -filer=127.0.0.1:8888 -dir=${BUCKET_DIR}`,
].join("\n");

interface Container {
    name: string;
    image?: string;
    env?: { name: string; value?: string; valueFrom?: unknown }[];
    securityContext?: unknown;
    [key: string]: unknown;
}

/**
 * The pipelines' bucket in the managed state's Blob container, through the release's own
 * store (KFP's object-store configuration takes s3://, gs://, minio:// and mem:// only,
 * backend/src/v2/objectstore/config.go): SeaweedFS mounts the container at the bucket
 * and a sidecar keeps uploading what is written. Its servers read the account and key
 * from the environment when they fetch an artifact not yet on the volume.
 */
export function useManagedObjectStore(plan: ManagedStatePlan): ManagedStatePlan {
    const store = plan.objects.find((o) => isKind(o, "apps", "Deployment", NS, "seaweedfs"));
    if (!store) {
        throw new Error(
            formatProblems("managed state: the render has no object store that can keep artifacts in Azure Blob; nothing was created:", [
                { where: `${NS}/seaweedfs`, value: "(missing)", rule: "managed state mounts the Blob container in SeaweedFS (Kubeflow v1.11.0 and newer)" },
            ]),
        );
    }
    const fromSecret = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: ARTIFACT_STORE_SECRET, key } } });
    const azureEnv = [fromSecret("AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_ACCOUNT"), fromSecret("AZURE_STORAGE_ACCESS_KEY", "AZURE_STORAGE_ACCESS_KEY")];
    const objects = plan.objects.map((o) => {
        if (o !== store) {
            return o;
        }
        const template = podTemplate(o) ?? {};
        const spec = (template.spec ?? {}) as { containers?: Container[] };
        const containers = spec.containers ?? [];
        const main = containers[0];
        const withAzure = (c: Container): Container => ({ ...c, env: [...(c.env ?? []).filter((e) => !e.name.startsWith("AZURE_STORAGE_")), ...azureEnv] });
        const sidecar: Container = {
            name: "remote-sync",
            image: main?.image,
            command: ["/bin/sh", "-c", REMOTE_SYNC_SCRIPT],
            env: azureEnv,
            resources: { requests: { cpu: "10m", memory: "64Mi" } },
            ...(main?.securityContext ? { securityContext: main.securityContext } : {}),
        };
        const rest = containers.slice(1).filter((c) => c.name !== sidecar.name);
        return {
            ...o,
            spec: {
                ...(o.spec as Record<string, unknown>),
                template: { ...template, spec: { ...spec, containers: [...(main ? [withAzure(main)] : []), ...rest, sidecar] } },
            },
        };
    });
    const secret: KubeObject = {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: ARTIFACT_STORE_SECRET, namespace: NS, labels: MANAGED_BY },
        type: "Opaque",
    };
    return {
        objects,
        secrets: [...plan.secrets, { object: secret, values: { AZURE_STORAGE_ACCOUNT: "storage-account", AZURE_STORAGE_ACCESS_KEY: "storage-key" } }],
        setup: plan.setup,
        dropped: plan.dropped,
    };
}
