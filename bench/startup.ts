// npm run bench:startup — `npm start` as a newcomer runs it, from a fresh clone: empty topology cache and
// empty data dir, until GET /_local/health answers 200. Three cases, in one run:
//   1. quiet: a first start on an otherwise idle machine (target ≤ 30 s), then a restart on the data
//      and cache it left (for the README);
//   2. busy: three more first starts, each with two CPU-bound processes beside it that this benchmark
//      starts itself and ends after each start (target: healthy 3 times out of 3).
// The quiet first start is the same-run baseline for the busy ones. Every start is a child process
// (`node local/src/cli/start.ts --quiet`) with its own ports, data dir and cache dir, stopped with
// SIGINT and waited for. Writes bench/results/startup.json.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BURNERS, startBurners } from './burners.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const QUIET_TARGET_SECONDS = 30;
/** A start that is not healthy by then counts as failed (the local cloud's own ceilings are longer). */
const HEALTHY_CEILING_SECONDS = Number(process.env.BENCH_STARTUP_CEILING ?? 240);
const BUSY_RUNS = Number(process.env.BENCH_STARTUP_BUSY_RUNS ?? 3);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface StartResult {
  case: string;
  healthy: boolean;
  seconds: number;
  loadBefore: number;
  /** The progress lines `npm start` printed, with their own step times. */
  progress: string[];
  error?: string;
}

async function startOnce(label: string, dirs: { dataDir: string; cacheDir: string }): Promise<StartResult> {
  const [port, sitePort] = [await freePort(), await freePort()];
  const loadBefore = loadavg()[0]!;
  const started = performance.now();
  const child = spawn(process.execPath, ['local/src/cli/start.ts', '--quiet'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      QDN_DATA_DIR: dirs.dataDir,
      QDN_TOPOLOGY_CACHE_DIR: dirs.cacheDir,
      QDN_PORT: String(port),
      QDN_SITE_PORT: String(sitePort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let healthy = false;
  let error: string | undefined;
  while (!healthy) {
    if (child.exitCode !== null) {
      error = `exited with ${child.exitCode}: ${output.trim().split('\n').slice(-6).join(' | ')}`;
      break;
    }
    if (performance.now() - started > HEALTHY_CEILING_SECONDS * 1000) {
      error = `not healthy within ${HEALTHY_CEILING_SECONDS} s`;
      break;
    }
    try {
      const response = await fetch(`http://localhost:${port}/_local/health`);
      healthy = response.ok;
      await response.arrayBuffer();
    } catch {
      // not listening yet
    }
    if (!healthy) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const seconds = (performance.now() - started) / 1000;
  await stop(child, exited);
  const progress = output
    .split('\n')
    .filter((line) => line.startsWith('  · '))
    .map((line) => line.slice(4));
  const result: StartResult = {
    case: label,
    healthy,
    seconds,
    loadBefore,
    progress,
    ...(error ? { error } : {}),
  };
  console.log(
    `${label.padEnd(26)} ${healthy ? 'healthy' : 'FAILED '} in ${seconds.toFixed(1).padStart(5)} s  (load ${loadBefore.toFixed(1)} before)${error ? `  ${error}` : ''}`,
  );
  for (const line of progress) console.log(`    · ${line}`);
  return result;
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null) child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

const scratch = mkdtempSync(join(tmpdir(), 'qdn-bench-startup-'));
const freshDirs = (name: string) => {
  const dirs = { dataDir: join(scratch, name, 'data'), cacheDir: join(scratch, name, 'cache') };
  mkdirSync(dirs.dataDir, { recursive: true });
  return dirs;
};
const results: StartResult[] = [];
try {
  console.log(`npm start from a fresh clone (empty topology cache and data dir), ${cpus().length} CPUs\n`);
  const quietDirs = freshDirs('quiet');
  results.push(await startOnce('quiet, first start', quietDirs));
  results.push(await startOnce('quiet, restart', quietDirs));
  for (let run = 1; run <= BUSY_RUNS; run++) {
    const burners = startBurners();
    try {
      // The burners get a moment to take the CPUs, as a build already running would have.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      results.push(await startOnce(`busy (${BURNERS} CPU burners) #${run}`, freshDirs(`busy-${run}`)));
    } finally {
      await burners.stop();
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const quietFirst = results.find((result) => result.case === 'quiet, first start')!;
const busy = results.filter((result) => result.case.startsWith('busy'));
const busyHealthy = busy.filter((result) => result.healthy).length;
const quietMet = quietFirst.healthy && quietFirst.seconds <= QUIET_TARGET_SECONDS;
const busyMet = busyHealthy === busy.length;
console.log(
  `\nquiet first start: ${quietFirst.seconds.toFixed(1)} s (target ≤ ${QUIET_TARGET_SECONDS} s: ${quietMet ? 'met' : 'NOT met'})`,
);
console.log(
  `busy first starts: ${busyHealthy}/${busy.length} healthy, ${busy.map((result) => result.seconds.toFixed(1)).join(' / ')} s (target ${busy.length}/${busy.length}: ${busyMet ? 'met' : 'NOT met'})`,
);
mkdirSync(join(repoRoot, 'bench', 'results'), { recursive: true });
writeFileSync(
  join(repoRoot, 'bench', 'results', 'startup.json'),
  `${JSON.stringify(
    {
      at: new Date().toISOString(),
      cpus: cpus().length,
      targets: { quietFirstStartSeconds: QUIET_TARGET_SECONDS, busyHealthy: `${busy.length}/${busy.length}` },
      met: { quiet: quietMet, busy: busyMet },
      results,
    },
    null,
    2,
  )}\n`,
);
console.log('results in bench/results/startup.json');
process.exit(quietMet && busyMet ? 0 : 1);
