import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { failuresOf, type JestReport } from '../../scripts/jest-report.ts';
import { repoRoot } from '../../scripts/services.ts';

// `npm test` ends with each failure's name and first lines: CI keeps the end of a long log, and once cut
// exactly the lines that said which browser test had failed.
describe("the summary's list of failures", () => {
  let dir: string;
  let report: JestReport;

  beforeAll(() => {
    // A report written by jest itself, so a change in its --json shape fails here.
    dir = mkdtempSync(join(tmpdir(), 'jest-report-'));
    writeFileSync(
      join(dir, 'quote.test.js'),
      "describe('quote', () => {\n  test('adds the dump fee', () => { expect(1 + 1).toBe(3); });\n  test('passes', () => {});\n});\n",
    );
    writeFileSync(join(dir, 'broken.test.js'), "require('./missing');\ntest('never runs', () => {});\n");
    const outputFile = join(dir, 'report.json');
    try {
      execFileSync(
        process.execPath,
        [
          join(repoRoot, 'node_modules/jest/bin/jest.js'),
          '--config',
          JSON.stringify({ rootDir: dir }),
          '--ci',
          '--json',
          `--outputFile=${outputFile}`,
        ],
        { stdio: 'ignore' },
      );
    } catch {
      // jest exits 1: two of its three tests fail, which is what is wanted here.
    }
    report = JSON.parse(readFileSync(outputFile, 'utf8')) as JestReport;
  }, 30_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names each failed test by file and full name, with why and without the stack or code frame', () => {
    // Act
    const failures = failuresOf(report, dir);

    // Assess
    const failed = failures.find((failure) =>
      failure.startsWith('quote.test.js › quote adds the dump fee\n'),
    );
    expect(failed?.split('\n')).toEqual([
      'quote.test.js › quote adds the dump fee',
      '      Error: expect(received).toBe(expected) // Object.is equality',
      '      Expected: 3',
      '      Received: 2',
    ]);
    expect(failures.some((failure) => failure.includes('passes'))).toBe(false);
  });

  it('names a suite that failed to load, and why', () => {
    // Act
    const failures = failuresOf(report, dir);

    // Assess
    expect(failures).toHaveLength(2);
    const broken = failures.find((failure) => failure.startsWith('broken.test.js\n'));
    expect(broken).toContain('Test suite failed to run');
    expect(broken).toContain("Cannot find module './missing' from 'broken.test.js'");
    expect(broken).not.toContain('|');
  });
});
