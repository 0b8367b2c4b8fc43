import * as yaml from "js-yaml";
import { isRecord } from "./kube";
import { KubeObject, Problem, formatProblems } from "./types";

/**
 * Reads a multi-document YAML render (the output of `kustomize build`) into plain
 * objects. Empty documents and `List` wrappers are flattened away. Every malformed
 * document is reported, with the source name and line, in one error.
 */
export function parseManifests(text: string, source: string): KubeObject[] {
    let docs: unknown[] | undefined = jsonDocuments(text);
    try {
        // JSON_SCHEMA keeps strings such as "on", "yes" or "0755" as written.
        docs ??= yaml.loadAll(text, undefined, { filename: source, json: true, schema: yaml.JSON_SCHEMA });
    } catch (err) {
        if (err instanceof yaml.YAMLException) {
            const line = err.mark ? err.mark.line + 1 : 0;
            throw new Error(`${source}:${line}: not valid YAML: ${err.reason}`);
        }
        throw err;
    }
    const objects: KubeObject[] = [];
    const problems: Problem[] = [];
    const visit = (doc: unknown, where: string): void => {
        if (doc === null || doc === undefined) {
            return;
        }
        if (!isRecord(doc)) {
            problems.push({ where, value: JSON.stringify(doc).slice(0, 60), rule: "a document must be a Kubernetes object" });
            return;
        }
        if (typeof doc.kind === "string" && doc.kind.endsWith("List") && Array.isArray(doc.items)) {
            doc.items.forEach((item, i) => visit(item, `${where} items[${i}]`));
            return;
        }
        const meta = doc.metadata;
        if (typeof doc.apiVersion !== "string" || typeof doc.kind !== "string" || !isRecord(meta) || typeof meta.name !== "string") {
            problems.push({
                where,
                value: `${String(doc.kind)} ${isRecord(meta) ? String(meta.name) : "(no metadata)"}`,
                rule: "an object needs apiVersion, kind and metadata.name",
            });
            return;
        }
        objects.push(doc as KubeObject);
    };
    docs.forEach((doc, i) => visit(doc, `${source} document ${i + 1}`));
    if (problems.length > 0) {
        throw new Error(formatProblems(`${source}: ${problems.length} malformed object(s)`, problems));
    }
    return objects;
}

/**
 * The documents of a text written by toYamlText, read with JSON.parse (a JSON document
 * is a YAML document: YAML 1.2 spec, section 1.3; and js-yaml takes ten times as long
 * over it); undefined for any other text, which js-yaml then reads. JSON has no raw
 * line break inside a string (RFC 8259 section 7: control characters are escaped), so
 * the separator line cannot occur within a document.
 */
function jsonDocuments(text: string): unknown[] | undefined {
    if (!text.startsWith("{")) {
        return undefined;
    }
    try {
        return text.split(DOCUMENT_SEPARATOR).map((doc) => JSON.parse(doc) as unknown);
    } catch {
        return undefined;
    }
}

const DOCUMENT_SEPARATOR = "\n---\n";

/**
 * The inverse of parseManifests, for yaml/v2 groups: JSON documents are YAML
 * documents, and JSON.stringify is far faster than a YAML dump.
 */
export function toYamlText(objects: readonly KubeObject[]): string {
    return objects.map((o) => JSON.stringify(o)).join(DOCUMENT_SEPARATOR);
}
