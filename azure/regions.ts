/**
 * Azure's public regions, as Microsoft lists them: the programmatic name (what
 * `azure-native:location` takes), whether the region has availability zones, and whether
 * a subscription may use it without asking (restricted regions serve disaster recovery
 * within a geography and need an access request). Pure data: no Pulumi.
 *
 * Source: "Azure regions list", learn.microsoft.com/azure/reliability/regions-list
 * (MicrosoftDocs/reliability-docs, articles/reliability/regions-list.md at commit
 * 01021ab80d1aebd1d8b5de481d80a9855b487954, ms.date 09/23/2025), read 2026-12-05.
 * Azure opens regions every year: a well-formed name missing here is a warning, not an
 * error; `az account list-locations -o table` shows what a subscription can use today.
 */

export const REGIONS_SOURCE = "learn.microsoft.com/azure/reliability/regions-list (ms.date 2025-09-23, read 2026-12-05)";

export type RegionAccess = "open" | "restricted" | "coming-soon";

export interface AzureRegion {
    readonly name: string;
    readonly zones: boolean;
    readonly access: RegionAccess;
}

const region = (name: string, zones: boolean, access: RegionAccess = "open"): AzureRegion => ({ name, zones, access });

export const AZURE_REGIONS: readonly AzureRegion[] = [
    region("australiacentral", false),
    region("australiacentral2", false, "restricted"),
    region("australiaeast", true),
    region("australiasoutheast", false),
    region("austriaeast", true),
    region("belgiumcentral", true),
    region("brazilsouth", true),
    region("brazilsoutheast", false, "restricted"),
    region("canadacentral", true),
    region("canadaeast", false),
    region("centralindia", true),
    region("centralus", true),
    region("chilecentral", true),
    region("denmarkeast", true, "coming-soon"),
    region("eastasia", true),
    region("eastus", true),
    region("eastus2", true),
    region("francecentral", true),
    region("francesouth", false, "restricted"),
    region("germanynorth", false, "restricted"),
    region("germanywestcentral", true),
    region("indonesiacentral", true),
    region("israelcentral", true),
    region("italynorth", true),
    region("japaneast", true),
    region("japanwest", true),
    region("koreacentral", true),
    region("koreasouth", false),
    region("malaysiawest", true),
    region("mexicocentral", true),
    region("newzealandnorth", true),
    region("northcentralus", false),
    region("northeurope", true),
    region("norwayeast", true),
    region("norwaywest", false, "restricted"),
    region("polandcentral", true),
    region("qatarcentral", true),
    region("southafricanorth", true),
    region("southafricawest", false, "restricted"),
    region("southcentralus", true),
    region("southeastasia", true),
    region("southindia", false),
    region("spaincentral", true),
    region("swedencentral", true),
    region("switzerlandnorth", true),
    region("switzerlandwest", false, "restricted"),
    region("uaecentral", false, "restricted"),
    region("uaenorth", true),
    region("uksouth", true),
    region("ukwest", false),
    region("westcentralus", false),
    region("westeurope", true),
    region("westindia", false),
    region("westus", false),
    region("westus2", true),
    region("westus3", true),
];

export function findRegion(name: string): AzureRegion | undefined {
    return AZURE_REGIONS.find((r) => r.name === name);
}

/** What a region name given by a user is: a listed region, a typo of one, or a name this table does not know. */
export type RegionCheck = { kind: "listed"; region: AzureRegion } | { kind: "typo"; suggestions: readonly string[] } | { kind: "unlisted" };

/**
 * A name one or two edits (a transposition counting as one) from a listed region is a
 * typo (`westeurpoe`), unless it differs from it only in a trailing number
 * (`westus4` may be a region opened after the table was read): that one, like any
 * other well-formed name, is unlisted.
 */
export function checkRegion(name: string): RegionCheck {
    const listed = findRegion(name);
    if (listed) {
        return { kind: "listed", region: listed };
    }
    if (AZURE_REGIONS.some((r) => differsOnlyInTrailingNumber(name, r.name))) {
        return { kind: "unlisted" };
    }
    let best = 2;
    let suggestions: string[] = [];
    for (const r of AZURE_REGIONS) {
        const distance = optimalStringAlignment(name, r.name);
        if (distance > best) {
            continue;
        }
        suggestions = distance < best ? [r.name] : [...suggestions, r.name];
        best = distance;
    }
    return suggestions.length > 0 ? { kind: "typo", suggestions } : { kind: "unlisted" };
}

function differsOnlyInTrailingNumber(a: string, b: string): boolean {
    const stem = (s: string): string => s.replace(/\d+$/, "");
    return stem(a) === stem(b);
}

/** Edit distance where swapping two neighbouring letters costs one edit. */
function optimalStringAlignment(a: string, b: string): number {
    const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
                d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.length][b.length];
}
