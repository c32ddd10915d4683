import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One service's configuration exactly as `serverless print` resolves it for a stage. */
export interface ServiceConfig {
  service: string;
  provider: {
    stage: string;
    region: string;
    runtime?: string;
    timeout?: number;
    memorySize?: number;
    environment?: Record<string, unknown>;
    httpApi?: Record<string, unknown>;
  };
  functions?: Record<string, FunctionConfig>;
  resources?: {
    Conditions?: Record<string, unknown>;
    Resources?: Record<string, { Type: string; Condition?: string; Properties?: Record<string, unknown> }>;
    Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
  };
}

export interface FunctionConfig {
  handler: string;
  name?: string;
  timeout?: number;
  memorySize?: number;
  environment?: Record<string, unknown>;
  events?: Record<string, unknown>[];
}

export interface ServiceTopology {
  /** Folder name under services/ (e.g. `scc-bridge`). */
  name: string;
  dir: string;
  config: ServiceConfig;
}

/** Every service's folder (those with a serverless.yml), in name order. */
function serviceDirs(repoRoot: string): string[] {
  return readdirSync(join(repoRoot, 'services'), { withFileTypes: true })
    .filter(
      (entry) => entry.isDirectory() && existsSync(join(repoRoot, 'services', entry.name, 'serverless.yml')),
    )
    .map((entry) => join(repoRoot, 'services', entry.name))
    .sort();
}

/**
 * The files whose content decides the resolved topology: any change re-resolves it. Besides the YAML,
 * @qdn/osls-plugin writes resources from each service's consumer declarations (`src/consumers.ts`,
 * through shared/src/consumers.ts and scripts/osls-plugin/): a consumer added there (its queue, rule,
 * schedule group, role) must exist on the next start too, not wait for a YAML edit.
 */
function topologyInputs(repoRoot: string): string[] {
  const dirs = serviceDirs(repoRoot);
  const plugin = join(repoRoot, 'scripts', 'osls-plugin');
  return [
    join(repoRoot, 'serverless.common.yml'),
    ...dirs.map((dir) => join(dir, 'serverless.yml')),
    ...dirs.map((dir) => join(dir, 'src', 'consumers.ts')).filter((file) => existsSync(file)),
    join(repoRoot, 'shared', 'src', 'consumers.ts'),
    ...readdirSync(plugin)
      .filter((name) => /\.(c?js|ts|json)$/.test(name))
      .sort()
      .map((name) => join(plugin, name)),
  ];
}

function cacheKey(repoRoot: string, stage: string): string {
  const hash = createHash('sha256').update(stage);
  for (const file of topologyInputs(repoRoot)) hash.update(file).update(readFileSync(file));
  const osls = JSON.parse(readFileSync(join(repoRoot, 'node_modules/serverless/package.json'), 'utf8')) as {
    version: string;
  };
  return hash.update(osls.version).digest('hex').slice(0, 16);
}

async function printService(repoRoot: string, dir: string, stage: string): Promise<ServiceConfig> {
  const bin = join(repoRoot, 'node_modules/serverless/bin/serverless.js');
  try {
    const { stdout } = await run(process.execPath, [bin, 'print', '--stage', stage, '--format', 'json'], {
      cwd: dir,
      maxBuffer: 32 * 1024 * 1024,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
    });
    return JSON.parse(stdout.slice(stdout.indexOf('{'))) as ServiceConfig;
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(
      `serverless print --stage ${stage} failed in ${dir}: ${(stderr || stdout || (error as Error).message).trim().slice(-2000)}`,
    );
  }
}

/** Runs `work` over `items` with at most `limit` at once, keeping the order of the results. */
async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}

/**
 * Every service's configuration for a stage, resolved by the Serverless Framework itself (the same
 * variables, params and files a deploy uses), so nothing is wired twice by hand: a queue, rule or
 * route added to a serverless.yml exists locally on the next start. Resolving takes a few seconds,
 * so the result is cached under `.cache/topology/`, keyed by a hash of its inputs (topologyInputs) — outside
 * the data dir, so `--reset` keeps it and a fresh data dir still starts fast. The local cloud resolves
 * it before starting anything else, so the cache is written even if a later step fails and a retry
 * never redoes the slow part. At most one `serverless print` per CPU runs at a time: six at once on
 * two cores only made each slower and starved DynamoDB Local's start.
 */
export async function resolveTopology(options: {
  repoRoot: string;
  stage?: string;
  cacheDir?: string;
}): Promise<{ services: ServiceTopology[]; cached: boolean }> {
  const stage = options.stage ?? 'local';
  const cacheDir =
    options.cacheDir ?? process.env.QDN_TOPOLOGY_CACHE_DIR ?? join(options.repoRoot, '.cache', 'topology');
  const cacheFile = join(cacheDir, `${stage}-${cacheKey(options.repoRoot, stage)}.json`);
  if (existsSync(cacheFile)) {
    return { services: JSON.parse(readFileSync(cacheFile, 'utf8')) as ServiceTopology[], cached: true };
  }
  const dirs = serviceDirs(options.repoRoot);
  const services = await mapLimited(dirs, Math.max(2, availableParallelism()), async (dir) => ({
    name: dir.split('/').pop() as string,
    dir,
    config: await printService(options.repoRoot, dir, stage),
  }));
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(`${cacheFile}.tmp`, JSON.stringify(services));
  renameSync(`${cacheFile}.tmp`, cacheFile);
  return { services, cached: false };
}
