/**
 * Runs a CronJob's shell script the way its pod would: with kubectl (and jq) from PATH,
 * against the real API server, as the CronJob's service account (impersonated), and
 * asks the server what that account may do (SubjectAccessReview).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import * as yaml from "js-yaml";
import { KubeServer } from "../../tools/kube-server";

/** Whether a command line tool answers `--version` (or kubectl's `version --client`). */
export function onPath(name: string): boolean {
    for (const args of [["--version"], ["version", "--client"]]) {
        try {
            execFileSync(name, args, { stdio: "ignore" });
            return true;
        } catch {
            // Try the next form.
        }
    }
    return false;
}

export interface Account {
    readonly namespace: string;
    readonly name: string;
}

export const userOf = (account: Account): string => `system:serviceaccount:${account.namespace}:${account.name}`;
const groupsOf = (account: Account): string[] => ["system:serviceaccounts", `system:serviceaccounts:${account.namespace}`, "system:authenticated"];

/** A kubeconfig file in `dir` that talks to the server as the account. */
export function kubeconfigAs(server: KubeServer, dir: string, account: Account): string {
    const cluster = server.config.getCurrentCluster();
    const user = server.config.getCurrentUser();
    assert.ok(cluster && user?.token);
    const file = path.join(dir, `as-${account.name}.yaml`);
    fs.writeFileSync(
        file,
        yaml.dump({
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name: "local", cluster: { server: cluster.server, "certificate-authority": cluster.caFile } }],
            users: [{ name: account.name, user: { token: user.token, as: userOf(account), "as-groups": groupsOf(account) } }],
            contexts: [{ name: "local", context: { cluster: "local", user: account.name } }],
            "current-context": "local",
        }),
    );
    return file;
}

export interface ScriptRun {
    readonly status: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs `script` with /bin/sh as the account; `env` is all the environment it gets besides PATH, HOME and KUBECONFIG. */
export function runScriptAs(server: KubeServer, dir: string, account: Account, script: string, env: Record<string, string>, pathPrefix = ""): ScriptRun {
    const kubeconfig = kubeconfigAs(server, dir, account);
    try {
        const stdout = execFileSync("/bin/sh", ["-c", script], {
            env: { PATH: `${pathPrefix}${process.env.PATH ?? ""}`, HOME: dir, KUBECONFIG: kubeconfig, ...env },
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        });
        return { status: 0, stdout, stderr: "" };
    } catch (err) {
        const e = err as { status?: number; stdout?: string; stderr?: string };
        return { status: e.status ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
    }
}

export interface Access {
    readonly verb: string;
    readonly group: string;
    readonly resource: string;
    readonly namespace?: string;
    readonly name?: string;
}

/** The server's answer to whether the account may do this. */
export async function accountMay(server: KubeServer, account: Account, access: Access): Promise<boolean> {
    const authz = server.config.makeApiClient(k8s.AuthorizationV1Api);
    const review = await authz.createSubjectAccessReview({
        body: { spec: { user: userOf(account), groups: groupsOf(account), resourceAttributes: { ...access } } },
    });
    return review.status?.allowed === true;
}
