// The two ways code reaches a stage: `deploy` (package this working tree for the stage, deploy it, upload
// the pages) and `promote` (the same zips another stage runs, its pages, exactly the changed paths
// invalidated). CloudFormation is one injected step (`serverless deploy` from the release) so everything
// around it runs against the local cloud in tests.
import { spawn } from 'node:child_process';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { stageParameterName } from '@qdn/shared/stage-parameters';
import { buildConsole } from '../../services/console/build.ts';
import {
  catalogTimeZone,
  configFile,
  consoleConfig,
  type DescribeMapsKey,
  keepEarlierBuilds,
  readConsoleTarget,
  uploadConsole,
} from './console.ts';
import { preflight } from './preflight.ts';
import {
  composeDependencies,
  deployOrder,
  gitCommit,
  inDependencyOrder,
  manifestFor,
  type PromotedArtifact,
  packageRelease,
  promoteArtifacts,
  releaseDir,
  writeManifest,
} from './releases.ts';
import {
  copySite,
  invalidate,
  invalidationPaths,
  readSiteTarget,
  type SiteChanges,
  uploadSite,
  writeChanged,
} from './site.ts';
import { UsageError } from './stage.ts';
import { type StageSettings, settingsParams } from './stage-settings.ts';

export interface Clients {
  ssm: SSMClient;
  sns: SNSClient;
  s3: S3Client;
  cloudfront: CloudFrontClient;
}

/** Deploys one service's packaged release to its stack (CloudFormation). */
export type DeployStack = (service: string, stage: string, packageDir: string) => Promise<void>;

export interface PipelineOptions {
  repoRoot: string;
  /** Where releases are kept (default `<repo>/.releases`). */
  releasesRoot: string;
  clients: Clients;
  deployStack: DeployStack;
  /** Only these services (default: every service of serverless-compose.yml, in its order). */
  services?: string[];
  /** The stage's AWS region (templates are rendered for it). */
  region?: string;
  /** The console's board map key's value (Amazon Location DescribeKey), for its config.json. */
  describeMapsKey: DescribeMapsKey;
  log: (line: string) => void;
}

function servicesOf(options: PipelineOptions): string[] {
  const all = deployOrder(composeFile(options));
  if (!options.services) return all;
  const unknown = options.services.filter((service) => !all.includes(service));
  if (unknown.length > 0) throw new UsageError(`unknown services: ${unknown.join(', ')}`);
  return all.filter((service) => options.services!.includes(service));
}

const composeFile = (options: PipelineOptions) =>
  readFileSync(join(options.repoRoot, 'serverless-compose.yml'), 'utf8');

/** Every service packaged for `stage` into `dir`, as many at a time as the machine has cores. */
async function packageAll(
  options: PipelineOptions,
  services: string[],
  stage: string,
  dir: string,
  stageReady: StageReady,
): Promise<void> {
  const started = performance.now();
  await packageRelease({
    repoRoot: options.repoRoot,
    services,
    stage,
    dir,
    params: stageParams(stageReady),
    region: options.region,
    log: options.log,
  });
  options.log(`  ${services.length} packaged in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Each stack deployed once those it depends on are (serverless-compose.yml's `dependsOn`): the consumers
 * side by side after jobs, the pages and the console after the stacks they call. CloudFormation does the
 * work, not this machine, so all that are ready go at once.
 */
async function deployAll(options: PipelineOptions, services: string[], stage: string, dir: string) {
  await inDependencyOrder(
    services,
    composeDependencies(composeFile(options)),
    services.length,
    async (service) => {
      options.log(`Deploying ${service} to ${stage}`);
      const started = performance.now();
      await options.deployStack(service, stage, join(dir, service));
      options.log(`Deployed ${service} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    },
  );
}

/** What the preflight read of a ready stage: what its templates are packaged with. */
interface StageReady {
  settings: StageSettings;
  opsAlarmEmail?: string;
}

/** Refuses (before anything is packaged or deployed) when the stage is not ready. */
async function ready(options: PipelineOptions, stage: string): Promise<StageReady> {
  const result = await preflight({ ssm: options.clients.ssm, sns: options.clients.sns, stage });
  for (const note of result.notes) options.log(`  note: ${note}`);
  if (result.problems.length > 0)
    throw new UsageError(
      `stage ${stage} is not ready; stopped before CloudFormation, nothing was deployed:\n` +
        result.problems.map((problem) => `  - ${problem}`).join('\n'),
    );
  // The preflight refuses a stage without valid settings, so they are here.
  if (!result.settings) throw new Error(`preflight passed ${stage} without its settings`);
  return { settings: result.settings, opsAlarmEmail: result.opsAlarmEmail };
}

/**
 * The stage's own settings (/qdn/<stage>/settings, and who DLQ alarms reach) passed to `serverless
 * package` on top of serverless.common.yml's params: a CLI param wins over them and over a
 * serverless.yml's `${param:…, default}`.
 */
const stageParams = ({ settings, opsAlarmEmail }: StageReady) => [
  ...settingsParams(settings),
  ...(opsAlarmEmail ? [`opsAlarmEmail=${opsAlarmEmail}`] : []),
];

/** What changed in a bucket behind a distribution, and the paths invalidated for it. */
export type StaticChanges = SiteChanges & { invalidated: string[] };

export interface DeployResult {
  services: string[];
  site?: StaticChanges;
  console?: StaticChanges;
}

/** Invalidates a deploy's or promotion's changed paths and says what changed. */
async function published(
  options: PipelineOptions,
  what: string,
  distributionId: string,
  changes: SiteChanges,
  reference: string,
): Promise<StaticChanges> {
  const paths = invalidationPaths(changes);
  await invalidate({ cloudfront: options.clients.cloudfront, distributionId, paths, reference });
  options.log(
    `${what}: ${changes.written.length} written, ${changes.deleted.length} deleted, invalidated ${paths.join(' ') || 'nothing'}`,
  );
  return { ...changes, invalidated: paths };
}

/** The stage's console config.json: its API, sign-in and, when its key can be read, the board's map. */
async function consoleConfigOf(options: PipelineOptions, stage: string) {
  const target = await readConsoleTarget(options.clients.ssm, stage);
  const mapsKey = await options.describeMapsKey(target.mapsKeyName);
  if (!mapsKey) options.log(`  note: no maps key ${target.mapsKeyName}: the console's board has no map`);
  const brands = stageParameterName(stage, 'brands');
  const { Parameter } = await options.clients.ssm.send(new GetParameterCommand({ Name: brands }));
  const timeZone = catalogTimeZone(Parameter?.Value);
  if (!timeZone)
    options.log(
      `  note: ${brands} names no default brand's time zone: the console learns it from the brands`,
    );
  return { target, config: consoleConfig(target, mapsKey, timeZone) };
}

/**
 * `npm run deploy`: preflight, package every service into the stage's release (and build the console),
 * deploy each stack once those it depends on are up, then the pages and the console with the stage's
 * config.json files.
 */
export async function deploy(options: PipelineOptions & { stage: string }): Promise<DeployResult> {
  const { stage, log } = options;
  const services = servicesOf(options);
  log(`Preflight for ${stage}`);
  const stageReady = await ready(options, stage);
  const dir = releaseDir(options.releasesRoot, stage);
  log(`Packaging ${services.length} services for ${stage} into ${dir}`);
  await packageAll(options, services, stage, dir, stageReady);
  writeManifest(dir, {
    stage,
    ...gitCommit(options.repoRoot),
    createdAt: new Date().toISOString(),
    services: manifestFor(dir, services),
  });
  // Built with the packages, before any stack changes: a console that doesn't build stops the deploy.
  const consoleBuild = services.includes('console') ? await buildConsole() : undefined;
  if (consoleBuild)
    log(`Built the console (first load ${(consoleBuild.firstLoadJsGzipBytes / 1024).toFixed(1)} KB gzipped)`);
  await deployAll(options, services, stage, dir);
  const result: DeployResult = { services };
  const reference = `deploy-${stage}-${Date.now()}`;
  if (services.includes('site')) {
    const target = await readSiteTarget(options.clients.ssm, stage);
    const changes = await uploadSite({
      s3: options.clients.s3,
      target,
      publicDir: join(options.repoRoot, 'services/site/public'),
    });
    result.site = await published(options, 'Pages', target.distributionId, changes, reference);
  }
  if (consoleBuild) {
    const { target, config } = await consoleConfigOf(options, stage);
    const changes = await uploadConsole({ s3: options.clients.s3, target, build: consoleBuild, config });
    result.console = await published(options, 'Console', target.distributionId, changes, reference);
  }
  return result;
}

export interface PromoteResult {
  artifacts: PromotedArtifact[];
  services: string[];
  site?: StaticChanges;
  console?: StaticChanges;
}

/**
 * `npm run promote`: the target stage gets the source stage's release — its function zips byte for byte
 * in templates rendered for the target — then the source's pages, and exactly the changed paths are
 * invalidated in the target's distribution. The target's config.json (its API origin) stays its own.
 */
export async function promote(
  options: PipelineOptions & { from: string; to: string },
): Promise<PromoteResult> {
  const { from, to, log } = options;
  if (from === to) throw new UsageError('--from and --to must be different stages');
  const services = servicesOf(options);
  log(`Preflight for ${to}`);
  // The target's own settings: its templates are rendered with them, never the source stage's.
  const stageReady = await ready(options, to);
  const sourceDir = releaseDir(options.releasesRoot, from);
  const targetDir = releaseDir(options.releasesRoot, to);
  log(`Rendering ${to}'s templates (${services.length} services)`);
  await packageAll(options, services, to, targetDir, stageReady);
  const artifacts = promoteArtifacts({ sourceDir, targetDir, services });
  writeManifest(targetDir, {
    stage: to,
    ...gitCommit(options.repoRoot),
    createdAt: new Date().toISOString(),
    promotedFrom: from,
    services: manifestFor(targetDir, services),
  });
  for (const artifact of artifacts)
    log(
      `  ${artifact.service}/${artifact.artifact}  ${from} ${artifact.sourceSha256.slice(0, 16)}…  ${to} ${artifact.targetSha256.slice(0, 16)}…`,
    );
  await deployAll(options, services, to, targetDir);
  const result: PromoteResult = { artifacts, services };
  const reference = `promote-${from}-${to}-${Date.now()}`;
  if (services.includes('site')) {
    const [source, target] = await Promise.all([
      readSiteTarget(options.clients.ssm, from),
      readSiteTarget(options.clients.ssm, to),
    ]);
    const changes = await copySite({ s3: options.clients.s3, from: source.bucket, to: target.bucket });
    result.site = await published(options, 'Pages', target.distributionId, changes, reference);
  }
  if (services.includes('console')) {
    // The built app the source stage runs, byte for byte; config.json is the target's own.
    const source = await readConsoleTarget(options.clients.ssm, from);
    const { target, config } = await consoleConfigOf(options, to);
    const copied = await copySite({
      s3: options.clients.s3,
      from: source.bucket,
      to: target.bucket,
      keep: keepEarlierBuilds,
    });
    const own = await writeChanged({
      s3: options.clients.s3,
      bucket: target.bucket,
      files: new Map([['config.json', configFile(config)]]),
    });
    const changes = { written: [...copied.written, ...own], deleted: copied.deleted };
    result.console = await published(options, 'Console', target.distributionId, changes, reference);
  }
  return result;
}

/**
 * The real CloudFormation step: serverless deploys a package only from the service's own .serverless
 * folder (it reads its state file there whatever --package says), so the release is copied in first.
 * Stacks deploy side by side, so each line of its output is marked with the service.
 */
export const serverlessDeploy =
  (repoRoot: string, region: string): DeployStack =>
  async (service, stage, packageDir) => {
    const serviceDir = join(repoRoot, 'services', service);
    rmSync(join(serviceDir, '.serverless'), { recursive: true, force: true });
    cpSync(packageDir, join(serviceDir, '.serverless'), { recursive: true });
    const child = spawn(
      join(repoRoot, 'node_modules/.bin/serverless'),
      ['deploy', '--stage', stage, '--region', region, '--package', '.serverless'],
      {
        cwd: serviceDir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
      },
    );
    for (const [stream, out] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ] as const)
      createInterface({ input: stream }).on('line', (line) => out.write(`[${service}] ${line}\n`));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0) throw new Error(`serverless deploy of ${service} to ${stage} failed`);
  };
