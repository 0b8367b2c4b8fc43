/** A recorded registration built by hand, every field the recording runtime fills at its default. */
import type { RecordedResource } from "../../tools/recording-runtime";

export function recordedResource(fields: Partial<RecordedResource> & Pick<RecordedResource, "urn" | "type">): RecordedResource {
    return {
        name: fields.urn.split("::").pop() ?? "",
        inputs: {},
        parent: "",
        provider: "",
        providers: {},
        dependencies: [],
        custom: true,
        protect: false,
        retainOnDelete: false,
        deleteBeforeReplace: false,
        ignoreChanges: [],
        additionalSecretOutputs: [],
        ...fields,
    };
}
