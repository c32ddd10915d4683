// What `npm test` prints of a failed jest run in its summary.
import { relative } from 'node:path';

/** What of jest's --json report names the failures. */
export interface JestReport {
  numPassedTests: number;
  numFailedTests: number;
  numRuntimeErrorTestSuites: number;
  testResults: {
    name: string;
    message: string;
    assertionResults: { fullName: string; status: string; failureMessages: string[] }[];
  }[];
}

/**
 * The first lines of a failure, without colours or the stack: the summary is the last thing printed, and
 * often all that is read of a long CI log (an earlier failure's details were cut from what CI kept).
 */
export function firstLines(message: string, lines = 6): string {
  return (
    message
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing the terminal's colour codes
      .replace(/\u001b\[[0-9;]*m/g, '')
      .split('\n')
      // Blank lines, the stack and the code frame (`> 12 | …`, `   | ^`): the test's name says where.
      .filter((line) => line.trim() !== '' && !/^\s+at /.test(line) && !/^\s*>?\s*\d*\s*\|/.test(line))
      .slice(0, lines)
      // A received value can be a whole page's text: enough of each line to recognise it.
      .map((line) => `      ${line.trim().length > 200 ? `${line.trim().slice(0, 199)}…` : line.trim()}`)
      .join('\n')
  );
}

/** Each failed test as `file › full name` and the first lines of why; a suite that failed to load, as its file. */
export function failuresOf(report: JestReport, root: string): string[] {
  return report.testResults.flatMap((suite) => {
    const file = relative(root, suite.name);
    const failedTests = suite.assertionResults.filter((test) => test.status === 'failed');
    if (failedTests.length === 0) return suite.message ? [`${file}\n${firstLines(suite.message)}`] : [];
    return failedTests.map(
      (test) => `${file} › ${test.fullName}\n${firstLines(test.failureMessages.join('\n'))}`,
    );
  });
}
