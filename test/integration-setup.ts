// The integration project's globalSetup: resolves the local stage's topology (`serverless print` per
// service, 24 s on a fresh clone of this 2-core machine) once, before any suite starts a cloud. Without
// it the first suite's beforeAll carries that inside its own time limit, and suites run in parallel
// workers (`--maxWorkers`) would each resolve it at the same moment instead of reading `.cache/topology`.
import { accessSync, constants, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamoDbLocal } from '@qdn/local-cloud/dynamodb-local';
import { handlerFiles } from '@qdn/local-cloud/functions-from-topology';
import { ensurePortFree } from '@qdn/local-cloud/processes';
import { bundleFunctions } from '@qdn/local-cloud/runtime/bundles';
import { resolveTopology } from '@qdn/local-cloud/topology';
import { repoRoot } from '../scripts/services.ts';

/**
 * The suites' temporary folders (every test cloud's data dir: DynamoDB Local's database, fauxqs's
 * SQLite, the bus archive, the fakes' records) go to memory, /dev/shm, when the machine has it and
 * TMPDIR is not set. They are thrown away when a suite ends, and on this disk every SQLite commit waits
 * for an fsync on the one event loop the gateway, the emulators and the pollers share (the notifications
 * and scc-bridge suites: 145.6 s on /dev/shm against 158.8 s in /tmp, one back-to-back pair on a busy
 * machine, load ≈ 11).
 */
function tmpdirInMemory(): void {
  if (process.env.TMPDIR) return;
  try {
    accessSync('/dev/shm', constants.W_OK);
    // A container's /dev/shm is often 64 MB: a run's clouds need far more, so only a roomy one is used.
    const { bavail, bsize } = statfsSync('/dev/shm');
    if (bavail * bsize < 2 * 1024 ** 3) return;
  } catch {
    return;
  }
  // Read by os.tmpdir() in this process (the suites run in band here) and inherited by jest's workers.
  process.env.TMPDIR = '/dev/shm';
}

export default async function resolveTopologyOnce(): Promise<void> {
  tmpdirInMemory();
  const started = performance.now();
  const { cached, services } = await resolveTopology({ repoRoot, stage: 'local' });
  if (!cached) {
    console.log(
      `\nlocal topology resolved with serverless print in ${((performance.now() - started) / 1000).toFixed(1)} s, cached for every suite`,
    );
  }
  // The test clouds' workers import bundled handlers (LocalCloudOptions.bundleFunctions): built here in
  // one esbuild run, not inside the first suite's time limit (a fresh clone builds all of them).
  const bundling = performance.now();
  const { built } = await bundleFunctions(handlerFiles(services), { repoRoot });
  if (built > 0) {
    console.log(
      `${built} bundles built for the local workers (handlers and the worker runtime) in ${((performance.now() - bundling) / 1000).toFixed(1)} s (.cache/local-bundles)`,
    );
  }

  // One DynamoDB Local for every suite's cloud (startTestCloud reads QDN_TEST_DYNAMODB), one database
  // per cloud by access key: a JVM start is ≈3 s of each suite's set-up. Stopped by the teardown.
  const dbDir = mkdtempSync(join(tmpdir(), 'qdn-test-dynamodb-'));
  const dynamodb = await startDynamoDbLocal({
    dbDir,
    port: await ensurePortFree(0, 'QDN_PORT'),
    sharedDb: false,
  });
  (globalThis as { qdnTestDynamoDb?: unknown }).qdnTestDynamoDb = { ...dynamodb, dbDir };
  // The teardown stops it and removes its databases; this is for a run that ends without it. A signal
  // skips both the teardown and 'exit' handlers, and only Ctrl-C reaches the JVM itself (its process
  // group): a run ended by `kill` or a CI timeout left a 280 MB JVM running, and its databases in memory.
  const abandon = () => {
    dynamodb.process.kill('SIGKILL');
    rmSync(dbDir, { recursive: true, force: true });
  };
  process.once('exit', abandon);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      abandon();
      // Once removed, this listener leaves the signal to its default: the run ends as it would have.
      process.kill(process.pid, signal);
    });
  }
  process.env.QDN_TEST_DYNAMODB = JSON.stringify({ endpoint: dynamodb.endpoint, dbDir });
}
