// `npm test`: every check the project has — lint, typecheck and unit tests side by side, the integration
// tests against the local cloud, then the browser tests beside packaging and the cfn-lint and
// infrastructure tests over the packaged templates — then one summary line counting passed and failed
// tests (a failed lint/typecheck/package step counts as one failure), preceded by the unit tests'
// coverage of the services' domain code: the unit step runs with `--coverage` and fails under the gate in
// jest.config.js (coverageThreshold). Exits non-zero if anything failed. Later steps still run after a
// failure so one run shows everything that is wrong.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { failuresOf, type JestReport } from './jest-report.ts';
import { repoRoot } from './services.ts';

interface StepResult {
  name: string;
  ok: boolean;
  passed: number;
  failed: number;
  seconds: number;
  /** Each failed test (or suite that failed to load): its name, and the first lines of why. */
  failures?: string[];
}

const resultsDir = join(repoRoot, '.cache', 'test-results');
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });
const jest = ['--experimental-vm-modules', join(repoRoot, 'node_modules/jest/bin/jest.js')];
// The coverage gate and where the unit step writes its figures, as jest itself reads them.
const { default: jestConfig } = (await import(pathToFileURL(join(repoRoot, 'jest.config.js')).href)) as {
  default: { coverageDirectory: string; coverageThreshold: { global: { lines: number; branches: number } } };
};

const backgroundSteps = new Set<number>();
/**
 * Puts a step's process, and what it starts, behind everything else: niceness 19, set before it starts
 * anything (npm takes ≈300 ms to start) so its children inherit it. On Linux the scheduler first shares
 * the CPU between sessions' autogroups, and only then by niceness inside each: Chromium (Playwright starts
 * it in a session of its own) got no more than half of it against `package` at niceness 19 in the test
 * run's session. So the step gets a session of its own (spawn's `detached`) whose autogroup has niceness
 * 19 too. Beside `package`: the browser suites took 205 s with niceness alone, 178 s with the autogroup
 * too, and 152 s with nothing beside them.
 */
function behindEverythingElse(pid: number): void {
  setPriority(pid, constants.priority.PRIORITY_LOW);
  try {
    writeFileSync(`/proc/${pid}/autogroup`, '19');
  } catch {
    // Not Linux, or a kernel without autogroups: niceness is what counts there.
  }
  backgroundSteps.add(pid);
}

// A background step's own session doesn't get the terminal's Ctrl-C: those still running end with the run.
process.once('exit', () => {
  for (const step of backgroundSteps) {
    try {
      process.kill(-step, 'SIGTERM');
    } catch {
      // Already ended.
    }
  }
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

/** How a step runs beside others. */
interface StepOptions {
  /** Keeps its output and prints it whole when it ends, so parallel steps' lines don't interleave. */
  buffered?: boolean;
  /** Behind everything else (behindEverythingElse). */
  background?: boolean;
}

/** Runs one step. */
function run(
  name: string,
  command: string,
  args: string[],
  { buffered = false, background = false }: StepOptions = {},
): Promise<StepResult> {
  const header = `\n━━ ${name} ━━ ${command} ${args.join(' ')}`;
  if (!buffered) console.log(header);
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: repoRoot,
      stdio: buffered ? ['ignore', 'pipe', 'pipe'] : 'inherit',
      env: process.env,
      detached: background,
    });
    if (background && child.pid !== undefined) behindEverythingElse(child.pid);
    const output: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
    child.on('close', (status) => {
      const seconds = (performance.now() - started) / 1000;
      if (buffered) {
        console.log(header);
        process.stdout.write(Buffer.concat(output));
      }
      if (child.pid !== undefined) backgroundSteps.delete(child.pid);
      resolve({ name, ok: status === 0, passed: 0, failed: status === 0 ? 0 : 1, seconds });
    });
  });
}

async function runJest(
  project: string,
  extra: string[] = [],
  { name = project, ...options }: StepOptions & { name?: string } = {},
): Promise<StepResult> {
  const outputFile = join(resultsDir, `${name}.json`);
  const step = await run(
    `${name} tests`,
    process.execPath,
    [...jest, '--selectProjects', project, '--json', `--outputFile=${outputFile}`, ...extra],
    options,
  );
  try {
    const report = JSON.parse(readFileSync(outputFile, 'utf8')) as JestReport;
    step.failures = failuresOf(report, repoRoot);
    step.passed = report.numPassedTests;
    // A suite that fails to load has no failed tests of its own but is a failure all the same.
    step.failed = report.numFailedTests + report.numRuntimeErrorTestSuites;
    if (!step.ok && step.failed === 0) step.failed = 1;
  } catch {
    // No report: jest itself failed to start; `run` already counted that as one failure.
  }
  return step;
}

/** e.g. `domain coverage: lines 97.96%, branches 93.02% (gate: …)`, from the unit step's json-summary. */
function domainCoverage(): string {
  const gate = jestConfig.coverageThreshold.global;
  try {
    const { total } = JSON.parse(
      readFileSync(join(repoRoot, jestConfig.coverageDirectory, 'coverage-summary.json'), 'utf8'),
    ) as { total: Record<'lines' | 'branches', { pct: number }> };
    return `domain coverage: lines ${total.lines.pct}%, branches ${total.branches.pct}% (gate: lines ≥ ${gate.lines}%, branches ≥ ${gate.branches}%)`;
  } catch {
    return 'domain coverage: not measured (the unit step did not finish)';
  }
}

rmSync(join(repoRoot, jestConfig.coverageDirectory), { recursive: true, force: true });
const steps: StepResult[] = [
  // Three independent single-process steps side by side on the CI machine's two cores (measured:
  // lint 6 s, typecheck 19 s, unit 13 s one after another).
  ...(await Promise.all([
    run('lint', 'npm', ['run', '--silent', 'lint'], { buffered: true }),
    run('typecheck', 'npm', ['run', '--silent', 'typecheck'], { buffered: true }),
    // With coverage over services/*/src/domain (jest.config.js): under the gate, the step fails.
    runJest('unit', ['--coverage'], { buffered: true }),
  ])),
  // The suites two at a time (jest's default on two cores is one): in band, one suite's cloud keeps its
  // event loop's core busy while the other waits on it; two workers ran all 745 tests in 553 s at 165%
  // CPU against ≈710 s in band (the suites sharing one DynamoDB Local and bundled handlers). Before
  // `package`: the promote test packages a service too, moving its .serverless/ aside meanwhile.
  await runJest('integration', [
    '--passWithNoTests',
    '--maxWorkers=2',
    '--testPathIgnorePatterns',
    '/node_modules/',
    '/test/browser/',
  ]),
  // The browser suites run without other suites beside them: they hold the pages and the console to
  // first-paint budgets (the board within 1.5 s), which a neighbouring suite's cloud on the same two
  // cores pushed over (1.8 s, once). They leave more than half of the machine idle (one page, one cloud:
  // 174 CPU-s in 213 s, 6 Dec), which packaging fills behind everything else, with the checks of its
  // templates after it: 116 CPU-s of esbuild and serverless that took 79 s on its own. (Measured on 6 Dec
  // from a fresh clone: packaging behind the integration suites instead gave the same wall time, 748 s;
  // the two browser suites side by side, 190 s against 208 s in band.)
  ...(await Promise.all([
    runJest('integration', ['--passWithNoTests', '--runInBand', '--testPathPatterns', '/test/browser/'], {
      name: 'browser',
    }),
    (async () => {
      const behind = { buffered: true, background: true };
      const packaged = await run('package', 'npm', ['run', '--silent', 'package'], behind);
      // Both read what `package` wrote, and nothing else: side by side (cfn-lint is one Python process).
      const checks = await Promise.all([
        run('cfn-lint', 'npm', ['run', '--silent', 'lint:cfn'], behind),
        runJest('infra', [], behind),
      ]);
      return [packaged, ...checks];
    })(),
  ]).then(([browser, packaging]) => [...packaging, browser])),
];

console.log('\n━━ summary ━━');
for (const step of steps) {
  const counts = step.passed + step.failed > 0 ? `${step.passed} passed, ${step.failed} failed` : '';
  console.log(
    `  ${step.ok ? 'ok  ' : 'FAIL'} ${step.name.padEnd(18)} ${step.seconds.toFixed(1).padStart(6)} s  ${counts}`,
  );
}
const passed = steps.reduce((sum, step) => sum + step.passed, 0);
const failed = steps.reduce((sum, step) => sum + step.failed, 0);
for (const failure of steps.flatMap((step) => step.failures ?? [])) console.log(`  failed: ${failure}`);
console.log(domainCoverage());
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(steps.every((step) => step.ok) ? 0 : 1);
