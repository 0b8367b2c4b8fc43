// The real API server's suites (test/support/kube-suite.ts), on the second half of the releases.
import { describeRelease, releasesOfHalf } from "./support/kube-suite";

for (const id of releasesOfHalf(1)) {
    describeRelease(id);
}
