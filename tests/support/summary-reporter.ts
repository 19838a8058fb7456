/**
 * Mocha reporter: the usual spec output, plus pass/fail counts appended to $HOMELAB_TEST_RESULTS
 * (one line `<suite> <passed> <failed>`) so scripts/test.sh can print one summary for all suites.
 */
import { appendFileSync } from "node:fs";
import Mocha from "mocha";

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.HOMELAB_TEST_RESULTS;
      const suite = process.env.HOMELAB_TEST_SUITE ?? "mocha";
      if (file) {
        appendFileSync(
          file,
          `${suite} ${runner.stats?.passes ?? 0} ${runner.stats?.failures ?? 0}\n`,
        );
      }
    });
  }
}

export = SummaryReporter;
