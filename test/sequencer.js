// The integration suites' order: longest first, so the two workers run out of suites at about the
// same time instead of one finishing a long suite alone. Jest does this itself from the durations it
// cached on an earlier run; a fresh clone (CI) has none, and jest then orders by file size, which put
// two of the longest suites (fuzz, 40 s; no-phantom dead letters, 50 s) last: one worker ran the last
// 40 s of the run alone. Durations jest has cached still win; these are for the suites it hasn't timed.
import Sequencer from '@jest/test-sequencer';

/** Seconds each of the longest suites took in a fresh-clone CI run (two workers), repo-relative path. */
const MEASURED_SECONDS = {
  'services/notifications/test/integration/notifications.test.ts': 80,
  'test/integration/promote.test.ts': 70,
  'local/test/integration/no-phantom-dead-letters.test.ts': 50,
  'test/integration/fuzz.test.ts': 40,
  'shared/test/integration/ops-dead-letters.test.ts': 35,
  'local/test/integration/local-cloud.test.ts': 34,
  'services/scc-bridge/test/integration/scc-bridge.test.ts': 33,
  'services/media/test/integration/photos.test.ts': 30,
  'test/integration/boundaries.test.ts': 29,
  'services/calendar/test/integration/calendar.test.ts': 27,
  'services/jobs/test/integration/jobs-api.test.ts': 21,
  'services/jobs/test/integration/legacy-import.test.ts': 20,
  'test/integration/deploy-preflight.test.ts': 20,
  'local/test/integration/npm-start.test.ts': 20,
};

export default class LongestFirst extends Sequencer {
  sort(tests) {
    const weight = (test) => {
      // As jest's own sort does: jest reads it to decide whether a run is quick enough to go in band.
      test.duration = this.time(test);
      const relative = test.path.slice(test.context.config.rootDir.length + 1);
      // Any other suite without a cached time: by file size, as jest does, below the measured ones.
      return (
        test.duration ??
        (MEASURED_SECONDS[relative] ?? 0) * 1000 + (test.context.hasteFS.getSize(test.path) ?? 0) / 1e6
      );
    };
    return tests
      .map((test) => ({ test, failed: this.hasFailed(test) ? 1 : 0, weight: weight(test) }))
      .sort((a, b) => b.failed - a.failed || b.weight - a.weight)
      .map(({ test }) => test);
  }
}
