/**
 * The oauth2-proxy config file: the TOML subset it uses (key = string | bool | number | [list]).
 */

export type CfgScalar = string | number | boolean;
export type CfgValue = CfgScalar | CfgScalar[];

/** Parses an oauth2_proxy.cfg. Throws on anything outside the subset, naming the line. */
export function parseOauth2ProxyConfig(text: string): Map<string, CfgValue> {
    const out = new Map<string, CfgValue>();
    let i = 0;
    let line = 1;
    const fail = (msg: string): never => {
        throw new Error(`oauth2_proxy.cfg line ${line}: ${msg}`);
    };
    const skipSpace = (newlines: boolean): void => {
        while (i < text.length) {
            const ch = text[i];
            if (ch === "#") {
                while (i < text.length && text[i] !== "\n") {
                    i++;
                }
            } else if (ch === " " || ch === "\t" || ch === "\r" || (newlines && ch === "\n")) {
                if (ch === "\n") {
                    line++;
                }
                i++;
            } else {
                return;
            }
        }
    };
    const scalar = (): CfgScalar => {
        if (text[i] === '"' || text[i] === "'") {
            const quote = text[i++];
            let s = "";
            while (i < text.length && text[i] !== quote) {
                if (text[i] === "\n") {
                    fail("unterminated string");
                }
                if (quote === '"' && text[i] === "\\") {
                    const esc = text[i + 1];
                    const map: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\" };
                    if (!(esc in map)) {
                        fail(`unsupported escape \\${esc}`);
                    }
                    s += map[esc];
                    i += 2;
                } else {
                    s += text[i++];
                }
            }
            if (i >= text.length) {
                fail("unterminated string");
            }
            i++;
            return s;
        }
        const m = /^(true|false|-?\d+(\.\d+)?)/.exec(text.slice(i));
        if (!m) {
            return fail(`unsupported value ${JSON.stringify(text.slice(i, i + 20))}`);
        }
        const token = m[0];
        i += token.length;
        return token === "true" ? true : token === "false" ? false : Number(token);
    };
    for (;;) {
        skipSpace(true);
        if (i >= text.length) {
            return out;
        }
        const key = /^[A-Za-z0-9_-]+/.exec(text.slice(i))?.[0] ?? fail(`expected a key at ${JSON.stringify(text.slice(i, i + 20))}`);
        i += key.length;
        skipSpace(false);
        if (text[i] !== "=") {
            fail(`expected = after ${key}`);
        }
        i++;
        skipSpace(false);
        let value: CfgValue;
        if (text[i] === "[") {
            i++;
            const items: CfgScalar[] = [];
            for (;;) {
                skipSpace(true);
                if (text[i] === "]") {
                    i++;
                    break;
                }
                items.push(scalar());
                skipSpace(true);
                if (text[i] === ",") {
                    i++;
                } else if (text[i] !== "]") {
                    fail(`expected , or ] in the list of ${key}`);
                }
            }
            value = items;
        } else {
            value = scalar();
        }
        skipSpace(false);
        if (i < text.length && text[i] !== "\n") {
            fail(`unexpected text after the value of ${key}`);
        }
        out.set(key, value);
    }
}

export function serializeOauth2ProxyConfig(cfg: ReadonlyMap<string, CfgValue>): string {
    const lit = (v: CfgScalar): string => (typeof v === "string" ? JSON.stringify(v) : String(v));
    return [...cfg]
        .map(([k, v]) => (Array.isArray(v) ? `${k} = [\n${v.map((x) => `  ${lit(x)},\n`).join("")}]` : `${k} = ${lit(v)}`))
        .join("\n")
        .concat("\n");
}
