/**
 * Imported first by the recording runtime: stack traces keep mapping the project's
 * TypeScript, but no longer the installed packages' JavaScript. tsx (which runs the
 * scripts and the suites) turns Node's source maps on for every module, node_modules
 * included (`module.getSourceMapsSupport()` reports nodeModules: true under it). The
 * Pulumi SDK takes a stack trace for every promise it tracks (@pulumi/pulumi
 * runtime/debuggable.js debuggablePromise: `new Error().stack`), dozens per resource, and
 * each frame in the SDK then goes through its .js.map: a profile of the whole program on
 * the 26.03 render spent 0.4 s of 5 s formatting those traces. SDK frames now show their
 * JavaScript position, as they do under plain node. `module.setSourceMapsSupport` is in
 * Node 22 since v22.14 (doc/api/module.md), the project's engines floor
 * (tools/node-check.mjs stops an older Node first).
 */
import * as nodeModule from "node:module";

const support = nodeModule.getSourceMapsSupport();
if (support.enabled && support.nodeModules) {
    nodeModule.setSourceMapsSupport(true, { nodeModules: false, generatedCode: support.generatedCode });
}
