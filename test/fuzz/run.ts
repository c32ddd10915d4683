// `npm run fuzz [-- --requests 20000 --seed 17]`: the fuzz suite's long run against a local cloud of its
// own (the same properties as test/integration/fuzz.test.ts, many more requests). Prints progress, the
// requests sent and their statuses by class, per route, and writes bench/results/fuzz.json. Exits 1 if
// any property failed.

import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { startTestCloud } from '@qdn/local-cloud/test-harness';
import { type FuzzStats, fuzz, prepareTarget } from './http-fuzz.ts';
import { FUZZ_ENVIRONMENT } from './options.ts';
import { ROUTES } from './routes.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    seed: { type: 'string', default: '17' },
    'batch-size': { type: 'string', default: '25' },
  },
});
const requests = Number(values.requests);
const seed = Number(values.seed);
const batchSize = Number(values['batch-size']);
// About 40% invalid requests read back in batches, 10% token probes, the rest of every kind.
const tokenRoutes = ROUTES.filter((route) => route.token).length;
const settings = {
  seed,
  batchSize,
  invalidBatches: Math.ceil((requests * 0.4) / batchSize),
  tokenRuns: Math.ceil((requests * 0.1) / tokenRoutes),
  mixedRuns: Math.ceil(requests * 0.5),
};

const started = performance.now();
console.log(
  `fuzz: seed ${seed}, about ${requests} requests over ${ROUTES.length} routes; starting a local cloud…`,
);
const harness = await startTestCloud('fuzz-run', { environment: FUZZ_ENVIRONMENT });
let lastPrinted = 0;
const progress = (stats: FuzzStats) => {
  if (stats.requests - lastPrinted < 1_000) return;
  lastPrinted = stats.requests;
  const seconds = (performance.now() - started) / 1000;
  console.log(`  ${stats.requests} requests (${classes(stats)}) ${seconds.toFixed(0)} s`);
};
const classes = (stats: FuzzStats) =>
  Object.entries(stats.byClass)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ');

try {
  const target = await prepareTarget(harness);
  console.log(`fixtures ready (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  const { stats, failures } = await fuzz(target, { ...settings, progress });
  const seconds = (performance.now() - started) / 1000;

  console.log(
    '\nroute                                                  requests  invalid   2xx   3xx   4xx   5xx',
  );
  for (const [routeKey, route] of Object.entries(stats.byRoute)) {
    const cells = [route.requests, route.invalid, route['2xx'], route['3xx'], route['4xx'], route['5xx']];
    console.log(
      `${routeKey.padEnd(52)} ${cells.map((cell, index) => String(cell).padStart(index < 2 ? 9 : 5)).join(' ')}`,
    );
  }
  console.log(`\nrequests sent:            ${stats.requests} over ${ROUTES.length} routes`);
  console.log(`statuses by class:        ${classes(stats)}`);
  console.log(
    `invalid requests:         ${stats.invalidRequests} (read back in ${stats.invalidBatchesReadBack} batches; batches with writes: ${stats.writesFromInvalid})`,
  );
  console.log(
    `token probes:             ${stats.tokenProbes} (answers not uniform: ${stats.nonUniformTokenAnswers})`,
  );
  console.log(`time:                     ${seconds.toFixed(0)} s`);
  for (const failure of failures)
    console.log(`FAILED ${failure.property}: ${failure.request}\n  ${failure.detail}`);

  const result = {
    benchmark: 'fuzz suite: generated requests to every HTTP route of the local cloud (test/fuzz/)',
    command: `npm run fuzz -- --requests ${requests} --seed ${seed}`,
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model.trim(), node: process.versions.node },
    settings,
    seconds: Math.round(seconds),
    routes: ROUTES.length,
    requests: stats.requests,
    byClass: stats.byClass,
    invalidRequests: stats.invalidRequests,
    invalidBatchesReadBack: stats.invalidBatchesReadBack,
    batchesWithWritesFromInvalidInput: stats.writesFromInvalid,
    tokenProbes: stats.tokenProbes,
    nonUniformTokenAnswers: stats.nonUniformTokenAnswers,
    failures,
    byRoute: stats.byRoute,
  };
  writeFileSync(
    new URL('../../bench/results/fuzz.json', import.meta.url),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  console.log('written bench/results/fuzz.json');
  process.exitCode = failures.length === 0 && stats.byClass['5xx'] === 0 ? 0 : 1;
} finally {
  await harness.stop();
}
