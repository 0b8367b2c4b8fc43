/**
 * The recording runtime: the Pulumi SDK's mock monitor, answered by tools/mock-answers.ts,
 * with every registered resource recorded (type, name, inputs, parent, provider,
 * dependencies, options). The offline plan (`npm run plan`), the bench and the test
 * suites evaluate the program under it.
 *
 * Usage: `const runtime = await installRecordingRuntime()` before importing any program
 * module, then `runtime.reset()`, run the program, `await runtime.settle()`, inspect
 * `runtime.resources`.
 *
 * The SDK offers mocks (`pulumi.runtime.setMocks`) but no view of what a registration
 * carries beyond type, name and inputs. The adapter below is the one place that reaches
 * further, into two things the SDK does not document; test/recording-runtime.test.ts pins
 * both, so an SDK upgrade that moves them fails there and not in every suite:
 * - the monitor `setMocks` installs (`settings.getMonitor()`, declared in
 *   @pulumi/pulumi runtime/settings.d.ts) is a `MockMonitor` (runtime/mocks.js
 *   `setMocks`: `setMockOptions(new MockMonitor(mocks), ...)`) whose
 *   `registerResource(req, callback)` receives the RegisterResourceRequest the engine
 *   would (proto/resource_pb.d.ts), and answers with a RegisterResourceResponse;
 * - `settings.waitForRPCs()` (runtime/settings.js, marked @internal) resolves when the
 *   SDK's queue of pending registrations and invokes is empty, including those still
 *   awaiting their inputs, which a count kept here could not see.
 */
import "./source-maps";
import * as pulumi from "@pulumi/pulumi";
import type { RegisterResourceRequest, RegisterResourceResponse } from "@pulumi/pulumi/proto/resource_pb";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { answerInvoke, answerResource } from "./mock-answers";

export interface RecordedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** Inputs as the engine would receive them; secrets stay wrapped (see isSecretValue). */
    readonly inputs: Record<string, unknown>;
    readonly parent: string;
    /** Provider reference (`urn::id`), empty for the default provider. */
    readonly provider: string;
    /** Provider references by package, as given to a component (`providers`/`provider`). */
    readonly providers: Readonly<Record<string, string>>;
    /** URNs this resource waits on (dependsOn and the resources its inputs came from). */
    readonly dependencies: readonly string[];
    readonly custom: boolean;
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    readonly deleteBeforeReplace: boolean;
    readonly ignoreChanges: readonly string[];
    readonly additionalSecretOutputs: readonly string[];
}

export interface RecordedInvoke {
    readonly token: string;
    readonly inputs: Record<string, unknown>;
    readonly provider: string;
}

export interface RecordingRuntime {
    readonly resources: RecordedResource[];
    readonly invokes: RecordedInvoke[];
    /** Forget what was recorded (between programs in one process). */
    reset(): void;
    /** Waits until every registration and invoke in flight has been answered. */
    settle(): Promise<void>;
    /** Every recorded resource of a type token. */
    ofType(type: string): RecordedResource[];
    /** The one resource of a type; fails when there are none or several. */
    one(type: string, namePart?: string): RecordedResource;
    byUrn(urn: string): RecordedResource | undefined;
    /** URNs this resource waits on, directly or through other resources. */
    transitiveDependencies(urn: string): Set<string>;
}

/** The part of the SDK's MockMonitor the adapter wraps (runtime/mocks.js registerResource). */
export interface RegisteringMonitor {
    registerResource(req: RegisterResourceRequest, callback: (err: unknown, res: RegisterResourceResponse | undefined) => void): Promise<void> | void;
}

/** What the engine would be told about a resource, read from the request and the monitor's answer. */
export function recordedResource(req: RegisterResourceRequest, res: RegisterResourceResponse): RecordedResource {
    return {
        urn: res.getUrn(),
        type: req.getType(),
        name: req.getName(),
        inputs: req.getObject()?.toJavaScript() ?? {},
        parent: req.getParent(),
        provider: req.getProvider(),
        providers: Object.fromEntries(req.getProvidersMap().toObject()),
        dependencies: req.getDependenciesList(),
        custom: req.getCustom(),
        protect: req.getProtect() ?? false,
        retainOnDelete: req.getRetainondelete() ?? false,
        deleteBeforeReplace: req.getDeletebeforereplace(),
        ignoreChanges: req.getIgnorechangesList(),
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
    };
}

/** Wraps the monitor so that every answered registration is also handed to `record`. */
export function recordRegistrations(monitor: RegisteringMonitor, record: (r: RecordedResource) => void): void {
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) =>
        register(req, (err, res) => {
            if (!err && res) {
                record(recordedResource(req, res));
            }
            callback(err, res);
        });
}

/** The SDK's "RPC queue drained" promise (see the module comment). */
export function waitForRPCs(): Promise<void> {
    const wait = (settings as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
    if (typeof wait !== "function") {
        throw new Error(
            "@pulumi/pulumi runtime/settings no longer has waitForRPCs: tools/recording-runtime.ts must learn how this SDK version drains its queue",
        );
    }
    return wait();
}

let installed: { runtime: RecordingRuntime; stack: string; preview: boolean } | undefined;

/**
 * Installs the runtime once per process; `preview` selects dry-run semantics (unknown
 * outputs). Asked again for another stack or mode (suites sharing one process), it
 * installs the SDK's mocks anew with those settings and hands back the same runtime,
 * its records cleared: setMocks may be called again, its setMockOptions ->
 * resetOptions replaces the monitor and the stack and drops the root stack resource
 * (@pulumi/pulumi 3.276 runtime/mocks.js setMocks, runtime/settings.js resetOptions).
 */
export async function installRecordingRuntime(options: { stack?: string; preview?: boolean } = {}): Promise<RecordingRuntime> {
    const stack = options.stack ?? "dev";
    const preview = options.preview ?? false;
    if (installed && installed.stack === stack && installed.preview === preview) {
        return installed.runtime;
    }
    const resources: RecordedResource[] = installed ? installed.runtime.resources : [];
    const invokes: RecordedInvoke[] = installed ? installed.runtime.invokes : [];
    resources.length = 0;
    invokes.length = 0;

    await pulumi.runtime.setMocks(
        {
            newResource: (args: pulumi.runtime.MockResourceArgs) => answerResource(args, preview),
            call: (args: pulumi.runtime.MockCallArgs) => {
                invokes.push({ token: args.token, inputs: args.inputs as Record<string, unknown>, provider: args.provider ?? "" });
                return answerInvoke(args);
            },
        },
        "kubeflow-azure",
        stack,
        preview,
        "organization",
    );
    const monitor = settings.getMonitor();
    if (!monitor) {
        throw new Error("pulumi.runtime.setMocks installed no monitor");
    }
    recordRegistrations(monitor as unknown as RegisteringMonitor, (r) => resources.push(r));

    if (installed) {
        installed = { ...installed, stack, preview };
        return installed.runtime;
    }
    const runtime: RecordingRuntime = {
        resources,
        invokes,
        reset: () => {
            resources.length = 0;
            invokes.length = 0;
        },
        settle: async () => {
            // Registrations chain on each other's outputs; drain until nothing new arrives.
            let seen = -1;
            while (seen !== resources.length + invokes.length) {
                seen = resources.length + invokes.length;
                await waitForRPCs();
                await new Promise((resolve) => setImmediate(resolve));
            }
        },
        ofType: (type) => resources.filter((r) => r.type === type),
        one: (type, namePart) => {
            const found = resources.filter((r) => r.type === type && (namePart === undefined || r.name.includes(namePart)));
            if (found.length !== 1) {
                throw new Error(`expected one ${type}${namePart ? ` named *${namePart}*` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
            }
            return found[0];
        },
        byUrn: (urn) => resources.find((r) => r.urn === urn),
        transitiveDependencies: (urn) => {
            const seen = new Set<string>();
            const stack = [urn];
            while (stack.length > 0) {
                const next = stack.pop();
                const current = resources.find((r) => r.urn === next);
                for (const dep of current?.dependencies ?? []) {
                    if (!seen.has(dep)) {
                        seen.add(dep);
                        stack.push(dep);
                    }
                }
            }
            return seen;
        },
    };
    installed = { runtime, stack, preview };
    return runtime;
}

/** True for a value the engine would store encrypted: the SDK's wire form of a secret (runtime/rpc). */
export function isSecretValue(value: unknown): value is { readonly value?: unknown } {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[specialSigKey] === specialSecretSig;
}

/** Resolves an Output's value (undefined when unknown). */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}
