// `npm test`: every check the project has, in order — lint, typecheck, unit tests, packaging and the
// cfn-lint and the infrastructure tests over its templates, integration tests against the local cloud — then one
// summary line counting passed and failed tests (a failed lint/typecheck/package step counts as one
// failure). Exits non-zero if anything failed. Later steps still run after a failure so one run
// shows everything that is wrong.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './services.ts';

interface StepResult {
  name: string;
  ok: boolean;
  passed: number;
  failed: number;
  seconds: number;
}

const resultsDir = join(repoRoot, '.cache', 'test-results');
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });
const jest = ['--experimental-vm-modules', join(repoRoot, 'node_modules/jest/bin/jest.js')];

function run(name: string, command: string, args: string[]): StepResult {
  console.log(`\n━━ ${name} ━━ ${command} ${args.join(' ')}`);
  const started = performance.now();
  const { status } = spawnSync(command, args, { cwd: repoRoot, stdio: 'inherit', env: process.env });
  const seconds = (performance.now() - started) / 1000;
  return { name, ok: status === 0, passed: 0, failed: status === 0 ? 0 : 1, seconds };
}

function runJest(project: string, extra: string[] = []): StepResult {
  const outputFile = join(resultsDir, `${project}.json`);
  const step = run(`${project} tests`, process.execPath, [
    ...jest,
    '--selectProjects',
    project,
    '--json',
    `--outputFile=${outputFile}`,
    ...extra,
  ]);
  try {
    const report = JSON.parse(readFileSync(outputFile, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
      numRuntimeErrorTestSuites: number;
    };
    step.passed = report.numPassedTests;
    // A suite that fails to load has no failed tests of its own but is a failure all the same.
    step.failed = report.numFailedTests + report.numRuntimeErrorTestSuites;
    if (!step.ok && step.failed === 0) step.failed = 1;
  } catch {
    // No report: jest itself failed to start; `run` already counted that as one failure.
  }
  return step;
}

const steps: StepResult[] = [
  run('lint', 'npm', ['run', '--silent', 'lint']),
  run('typecheck', 'npm', ['run', '--silent', 'typecheck']),
  runJest('unit'),
  run('package', 'npm', ['run', '--silent', 'package']),
  run('cfn-lint', 'npm', ['run', '--silent', 'lint:cfn']),
  runJest('infra'),
  runJest('integration', ['--passWithNoTests']),
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
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(steps.every((step) => step.ok) ? 0 : 1);
