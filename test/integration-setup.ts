// The integration project's globalSetup: resolves the local stage's topology (`serverless print` per
// service, 24 s on a fresh clone of this 2-core machine) once, before any suite starts a cloud. Without
// it the first suite's beforeAll carries that inside its own time limit, and suites run in parallel
// workers (`--maxWorkers`) would each resolve it at the same moment instead of reading `.cache/topology`.
import { resolveTopology } from '@qdn/local-cloud/topology';
import { repoRoot } from '../scripts/services.ts';

export default async function resolveTopologyOnce(): Promise<void> {
  const started = performance.now();
  const { cached } = await resolveTopology({ repoRoot, stage: 'local' });
  if (!cached) {
    console.log(
      `\nlocal topology resolved with serverless print in ${((performance.now() - started) / 1000).toFixed(1)} s, cached for every suite`,
    );
  }
}
