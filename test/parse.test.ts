import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";
import { parseManifests, toYamlText } from "../manifests/parse";
import { KubeObject } from "../manifests/types";
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

describe("parseManifests on what toYamlText writes (yaml/v2 groups' text)", () => {
    const objects: KubeObject[] = [
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "n" }, data: { script: "line 1\n---\nline 3", flag: "on", ünï: "cödé" } },
        {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { name: "n", labels: { "x/y": "true" } },
            spec: { finalizers: ["kubernetes"], n: 1.5, big: 12345678901234 },
        },
    ];

    it("reads the JSON documents into the objects written, as js-yaml reads them", () => {
        const text = toYamlText(objects);
        assert.deepEqual(parseManifests(text, "group"), objects);
        assert.deepEqual(yaml.loadAll(text, undefined, { json: true, schema: yaml.JSON_SCHEMA }), objects);
    });

    it("leaves any other text to js-yaml: a flow mapping, a broken document (named by its line)", () => {
        assert.throws(() => parseManifests("{apiVersion: v1, kind: Namespace}", "flow.yaml"), /flow\.yaml: 1 malformed object/);
        const broken = `${toYamlText(objects)}\n---\n{"apiVersion": "v1", "kind": [}`;
        assert.throws(() => parseManifests(broken, "broken.yaml"), /broken\.yaml:\d+: not valid YAML/);
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

        it(`reads ${release} back from toYamlText's text unchanged`, () => {
            const objs = loadRender(release);
            assert.deepEqual(parseManifests(toYamlText(objs), release), objs);
        });
    }
});
