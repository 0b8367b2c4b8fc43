/**
 * `--config ns:key[.path]=value` overrides, parsed and applied to the stack's raw
 * configuration the way `pulumi config set [--path]` would store them.
 */

export interface Override {
    /** `namespace:key`. */
    readonly key: string;
    /** Path inside the key's value (`userPool.maxCount` gives ["maxCount"]); empty for the whole value. */
    readonly path: readonly (string | number)[];
    /** The text after `=`. */
    readonly text: string;
}

/** Parses `ns:key[.path]=value`; a key without namespace is the project's (like the CLI). */
export function parseOverride(arg: string, project: string): Override {
    const eq = arg.indexOf("=");
    if (eq <= 0) {
        throw new Error(`--config ${arg}: expected key=value, e.g. --config ${project}:userPool.maxCount=5`);
    }
    const fullKey = arg.slice(0, eq).includes(":") ? arg.slice(0, eq) : `${project}:${arg.slice(0, eq)}`;
    const ns = fullKey.slice(0, fullKey.indexOf(":") + 1);
    const rest = fullKey.slice(ns.length);
    const m = /^([^.[]+)(.*)$/.exec(rest);
    if (!m) {
        throw new Error(`--config ${arg}: no key before the path`);
    }
    const path: (string | number)[] = [];
    const re = /\.([^.[\]]+)|\[(\d+)\]/y;
    for (let at = 0; at < m[2].length; at = re.lastIndex) {
        re.lastIndex = at;
        const match = re.exec(m[2]);
        if (!match) {
            throw new Error(`--config ${arg}: cannot read the path ${m[2]} (use a.b or a[0])`);
        }
        path.push(match[1] !== undefined ? match[1] : Number(match[2]));
    }
    return { key: `${ns}${m[1]}`, path, text: arg.slice(eq + 1) };
}

function parseValue(text: string): unknown {
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return text;
    }
}

/**
 * Applies overrides to raw configuration (values as the CLI hands them over: strings,
 * objects as JSON). A path override sets the typed value (JSON when it parses) inside the
 * key's current object, like `pulumi config set --path`; a whole-key override keeps the
 * text as typed, like `pulumi config set` (so 1.30 stays "1.30").
 */
export function applyOverrides(raw: Readonly<Record<string, string>>, overrides: readonly Override[]): Record<string, string> {
    const out: Record<string, string> = { ...raw };
    for (const o of overrides) {
        if (o.path.length === 0) {
            out[o.key] = o.text;
            continue;
        }
        const current = out[o.key] === undefined ? undefined : parseValue(out[o.key]);
        const root: unknown = typeof current === "object" && current !== null ? structuredClone(current) : typeof o.path[0] === "number" ? [] : {};
        let node = root as Record<string | number, unknown>;
        o.path.forEach((segment, i) => {
            if (i === o.path.length - 1) {
                node[segment] = parseValue(o.text);
                return;
            }
            const next = node[segment];
            if (typeof next !== "object" || next === null) {
                node[segment] = typeof o.path[i + 1] === "number" ? [] : {};
            }
            node = node[segment] as Record<string | number, unknown>;
        });
        out[o.key] = JSON.stringify(root);
    }
    return out;
}
