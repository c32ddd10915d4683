// npm run bench:release-packaging — how long `npm run deploy` / `promote` take to package every service
// into a release, one at a time against as many at a time as the machine has cores (what the pipeline
// does). Alternating runs in one process, so both see the same machine. Writes
// bench/results/release-packaging.json.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deployOrder, packageRelease } from '../scripts/deploy/releases.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const services = deployOrder(readFileSync(join(repoRoot, 'serverless-compose.yml'), 'utf8'));
const cores = availableParallelism();

async function packageAll(concurrency: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'qdn-bench-release-'));
  const started = performance.now();
  try {
    await packageRelease({ repoRoot, services, stage: 'bench', dir, concurrency });
    return (performance.now() - started) / 1000;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const seconds: Record<'oneAtATime' | 'sideBySide', number[]> = { oneAtATime: [], sideBySide: [] };
for (let round = 1; round <= ROUNDS; round++) {
  seconds.oneAtATime.push(await packageAll(1));
  seconds.sideBySide.push(await packageAll(cores));
  console.log(
    `round ${round}: ${services.length} services one at a time ${seconds.oneAtATime.at(-1)!.toFixed(1)} s, ` +
      `${cores} at a time ${seconds.sideBySide.at(-1)!.toFixed(1)} s`,
  );
}
const results = { when: new Date().toISOString(), cores, services, seconds };
mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
writeFileSync(
  join(repoRoot, 'bench/results/release-packaging.json'),
  `${JSON.stringify(results, null, 2)}\n`,
);
console.log('written to bench/results/release-packaging.json');
