import { loadConfig } from "./config";
import { loadRelease } from "./components/release-source";
import { deploy } from "./program";
import { StackOutputValues } from "./outputs";

// Validation happens first, before any resource is registered; then the release is
// read or rendered (no cluster needed), then the whole graph is declared at once.
export = async (): Promise<StackOutputValues> => {
    const cfg = loadConfig();
    const rendered = await loadRelease(cfg);
    return deploy(cfg, rendered).outputs;
};
