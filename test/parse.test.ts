import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseManifests } from "../manifests/parse";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";

describe("parseManifests", () => {
    it("reads several documents, skips empty ones and flattens Lists", () => {
        const text = [
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a",
            "",
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: b\n    namespace: a",
        ].join("\n---\n");
        const objs = parseManifests(text, "t.yaml");
        assert.deepEqual(
            objs.map((o) => `${o.kind}/${o.metadata.name}`),
            ["Namespace/a", "ConfigMap/b"],
        );
    });

    it("keeps YAML 1.1 booleans-looking strings as strings", () => {
        const objs = parseManifests("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  flag: on\n", "t.yaml");
        assert.equal((objs[0].data as Record<string, unknown>).flag, "on");
    });

    it("names the file and line of a syntax error", () => {
        assert.throws(() => parseManifests("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n", "bad.yaml"), /bad\.yaml:\d+: not valid YAML/);
    });

    it("reports every malformed object at once", () => {
        const text = "kind: ConfigMap\n---\napiVersion: v1\nkind: Secret\nmetadata: {}\n---\n- 1\n";
        assert.throws(
            () => parseManifests(text, "m.yaml"),
            (err: Error) => {
                assert.match(err.message, /3 malformed object/);
                assert.match(err.message, /document 1/);
                assert.match(err.message, /document 2/);
                assert.match(err.message, /document 3/);
                return true;
            },
        );
    });
});

describe("parseManifests on the real renders", { skip: skipWithoutRenders() }, () => {
    for (const release of availableRenders()) {
        it(`parses ${release} into named objects`, () => {
            const objs = loadRender(release);
            assert.ok(objs.length > 500, `${release}: ${objs.length} objects`);
            for (const o of objs) {
                assert.ok(o.metadata.name.length > 0);
            }
        });
    }
});
