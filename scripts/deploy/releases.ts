// Releases: what `npm run deploy` packaged for a stage, kept in .releases/<stage>/<service>/ (the
// CloudFormation templates, serverless's state and the function zips) with a manifest of the zips'
// SHA-256. `npm run promote` renders the target stage's templates and puts the source stage's zips in
// them byte for byte, so production runs exactly the code staging ran.
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { withOwnTmpdir } from '../services.ts';

const execFileAsync = promisify(execFile);

export interface ReleaseManifest {
  stage: string;
  /** The commit the release was built from (and whether the working tree had changes). */
  commit: string;
  dirty: boolean;
  createdAt: string;
  /** Set on a promoted release: the stage whose zips it carries. */
  promotedFrom?: string;
  /** Per service, per zip file name: its SHA-256 (hex). */
  services: Record<string, Record<string, string>>;
}

export const MANIFEST = 'manifest.json';

export function releaseDir(releasesRoot: string, stage: string): string {
  return join(releasesRoot, stage);
}

export function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Each service of serverless-compose.yml, in its order, with the services its `dependsOn` names. */
export function composeDependencies(composeYaml: string): Map<string, string[]> {
  const dependsOn = new Map<string, string[]>();
  let current: string | undefined;
  for (const line of composeYaml.split('\n')) {
    const service = /^ {2}([a-z0-9-]+):\s*$/.exec(line);
    if (service) {
      current = service[1]!;
      dependsOn.set(current, []);
      continue;
    }
    if (/^\S/.test(line)) current = undefined;
    const depends = /^ {4}dependsOn:\s*\[([^\]]*)\]/.exec(line);
    if (current && depends)
      dependsOn.set(
        current,
        depends[1]!
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean),
      );
  }
  return dependsOn;
}

/**
 * The deploy order from serverless-compose.yml (each service after its `dependsOn`), so a service added
 * there is deployed and promoted without a second list to keep.
 */
export function deployOrder(composeYaml: string): string[] {
  const dependsOn = composeDependencies(composeYaml);
  const order: string[] = [];
  const visit = (name: string, path: string[]) => {
    if (order.includes(name)) return;
    if (path.includes(name))
      throw new Error(`serverless-compose.yml: dependsOn cycle ${[...path, name].join(' → ')}`);
    const needs = dependsOn.get(name);
    if (!needs) throw new Error(`serverless-compose.yml: ${path.at(-1)} depends on unknown service ${name}`);
    for (const need of needs) visit(need, [...path, name]);
    order.push(name);
  };
  for (const name of dependsOn.keys()) visit(name, []);
  return order;
}

/**
 * Runs `step` for each of `services` (in deploy order) once those it depends on among them are done, at
 * most `concurrency` at a time: as serverless-compose deploys, jobs first, then the consumers side by
 * side. After a failure nothing new starts and the steps running finish; then every failure is thrown
 * (one error, or an AggregateError of them) with the services that never started.
 */
export async function inDependencyOrder(
  services: string[],
  dependsOn: ReadonlyMap<string, readonly string[]>,
  concurrency: number,
  step: (service: string) => Promise<void>,
): Promise<void> {
  const waiting = [...services];
  const done = new Set<string>();
  const running = new Map<string, Promise<void>>();
  const failures: unknown[] = [];
  const ready = (service: string) =>
    (dependsOn.get(service) ?? []).every((need) => done.has(need) || !services.includes(need));
  for (;;) {
    for (const service of [...waiting]) {
      if (failures.length > 0 || running.size >= concurrency) break;
      if (!ready(service)) continue;
      waiting.splice(waiting.indexOf(service), 1);
      running.set(
        service,
        // Through a promise even if `step` throws at once, so the steps running still finish first.
        Promise.resolve()
          .then(() => step(service))
          .then(
            () => void done.add(service),
            (error: unknown) => void failures.push(error),
          )
          .finally(() => running.delete(service)),
      );
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  const notStarted = waiting.length > 0 ? ` (not started: ${waiting.join(', ')})` : '';
  if (failures.length === 1) {
    const [cause] = failures;
    throw new Error(`${cause instanceof Error ? cause.message : String(cause)}${notStarted}`, { cause });
  }
  if (failures.length > 1) throw new AggregateError(failures, `${failures.length} failed${notStarted}`);
  if (waiting.length > 0) throw new Error(`dependsOn cycle among ${waiting.join(', ')}`);
}

/** Every service packaged for a stage into `<dir>/<service>`, `concurrency` at a time (one per core). */
export async function packageRelease(
  options: Omit<Parameters<typeof packageService>[0], 'service' | 'outDir'> & {
    services: string[];
    dir: string;
    concurrency?: number;
  },
): Promise<void> {
  const { services, dir, concurrency = availableParallelism(), ...each } = options;
  await inDependencyOrder(services, new Map(), concurrency, (service) =>
    packageService({ ...each, service, outDir: join(dir, service) }),
  );
}

/** `serverless package` of one service for a stage, into the release's folder for it. */
export async function packageService(options: {
  repoRoot: string;
  service: string;
  stage: string;
  outDir: string;
  /** `key=value` stage settings on top of serverless.common.yml's params. */
  params?: string[];
  region?: string;
  log?: (line: string) => void;
}): Promise<void> {
  rmSync(options.outDir, { recursive: true, force: true });
  mkdirSync(options.outDir, { recursive: true });
  const started = performance.now();
  const copy = serviceCopy(options.repoRoot, options.service);
  try {
    await runPackage(options, copy.dir);
  } finally {
    copy.remove();
  }
  options.log?.(`  packaged ${options.service} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** What packaging doesn't read from a service's folder: what it writes, tests and docs. */
const NOT_PACKAGED = new Set(['.serverless', '.esbuild', 'node_modules', 'test', 'docs']);

/**
 * A copy of a service to package a release from, so that packaging leaves the service's own folder
 * alone: serverless empties the service's .serverless/ even when packaging elsewhere (`npm run package`
 * left the templates the infrastructure tests read there), and serverless-esbuild builds in its
 * .esbuild/, where a `npm run package` running beside it builds too. The copy sits as deep below a
 * folder of its own as the service below the repository, with what its serverless.yml names outside
 * itself (`../../serverless.common.yml`, `../../scripts/osls-plugin/`, `../../node_modules/sharp/`); and
 * inside the repository, so its imports resolve to the repository's node_modules and tsconfig.json.
 */
export function serviceCopy(repoRoot: string, service: string): { dir: string; remove: () => void } {
  mkdirSync(join(repoRoot, '.cache'), { recursive: true });
  const root = mkdtempSync(join(repoRoot, '.cache', `packaging-${service}-`));
  const source = join(repoRoot, 'services', service);
  const dir = join(root, 'services', service);
  cpSync(source, dir, {
    recursive: true,
    filter: (path) => !NOT_PACKAGED.has(relative(source, path).split(sep)[0]!),
  });
  copyFileSync(join(repoRoot, 'serverless.common.yml'), join(root, 'serverless.common.yml'));
  // media's serverless.yml reads the version of sharp it installs for Lambda from node_modules.
  for (const dir of ['scripts', 'node_modules']) symlinkSync(join(repoRoot, dir), join(root, dir), 'dir');
  return { dir, remove: () => rmSync(root, { recursive: true, force: true }) };
}

async function runPackage(options: Parameters<typeof packageService>[0], serviceDir: string): Promise<void> {
  // The compose file passes only eventBusName, whose value serverless.common.yml's params repeat.
  await withOwnTmpdir((env) =>
    execFileAsync(
      join(options.repoRoot, 'node_modules/.bin/serverless'),
      [
        'package',
        '--stage',
        options.stage,
        '--package',
        options.outDir,
        ...(options.region ? ['--region', options.region] : []),
        ...(options.params ?? []).flatMap((param) => ['--param', param]),
      ],
      {
        cwd: serviceDir,
        env: { ...env, AWS_SDK_LOAD_CONFIG: '0', SLS_TELEMETRY_DISABLED: '1' },
        maxBuffer: 16 * 1024 * 1024,
      },
    ),
  ).catch((error: Error & { stdout?: string; stderr?: string }) => {
    throw new Error(
      `serverless package ${options.service} --stage ${options.stage} failed (${error.message.split('\n')[0]}):\n${error.stdout ?? ''}${error.stderr ?? ''}`,
      { cause: error },
    );
  });
}

export function zipsOf(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.zip'))
    .sort();
}

export function manifestFor(dir: string, services: string[]): ReleaseManifest['services'] {
  return Object.fromEntries(
    services.map((service) => [
      service,
      Object.fromEntries(zipsOf(join(dir, service)).map((zip) => [zip, sha256(join(dir, service, zip))])),
    ]),
  );
}

export function gitCommit(repoRoot: string): { commit: string; dirty: boolean } {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' });
  const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  return { commit: head.stdout.trim() || 'unknown', dirty: status.stdout.trim() !== '' };
}

export function writeManifest(dir: string, manifest: ReleaseManifest): void {
  writeFileSync(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

export function readManifest(dir: string): ReleaseManifest {
  const file = join(dir, MANIFEST);
  if (!existsSync(file))
    throw new Error(`no release in ${dir}: deploy that stage first (npm run deploy -- --stage <stage>)`);
  return JSON.parse(readFileSync(file, 'utf8')) as ReleaseManifest;
}

/**
 * The files of a zip and their CRC-32s, from its central directory: two builds of the same code have the
 * same list even when their zips differ in timestamps.
 */
export function zipContents(zip: Buffer): Map<string, number> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end === -1) throw new Error('not a zip file');
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries = new Map<string, number>();
  for (let index = 0; index < count; index++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const nameLength = zip.readUInt16LE(offset + 28);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    entries.set(name, zip.readUInt32LE(offset + 16));
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  return entries;
}

function contentDifferences(a: Buffer, b: Buffer): string[] {
  const left = zipContents(a);
  const right = zipContents(b);
  const names = new Set([...left.keys(), ...right.keys()]);
  return [...names].filter((name) => left.get(name) !== right.get(name)).sort();
}

const base64Sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('base64');

/** Rewrites the CodeSha256 of the Lambda versions (serverless computed them from the zips it built). */
function replaceCodeHashes(
  template: { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }> },
  hashes: Map<string, string>,
): number {
  let replaced = 0;
  for (const resource of Object.values(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Version' || !resource.Properties) continue;
    const next = hashes.get(String(resource.Properties.CodeSha256));
    if (next) {
      resource.Properties.CodeSha256 = next;
      replaced++;
    }
  }
  return replaced;
}

export interface PromotedArtifact {
  service: string;
  artifact: string;
  /** The source release's hash (manifest), and the target's after the copy: equal, or promote stops. */
  sourceSha256: string;
  targetSha256: string;
}

/**
 * Puts the source release's zips into a freshly packaged target release: for every zip serverless built
 * for the target, the source's zip of the same name replaces it byte for byte and the templates'
 * CodeSha256 follow. Refuses when the target's build holds different code than the source's (the working
 * tree changed since the source was deployed) or when a zip is missing on either side.
 */
export function promoteArtifacts(options: {
  sourceDir: string;
  targetDir: string;
  services: string[];
}): PromotedArtifact[] {
  const manifest = readManifest(options.sourceDir);
  const promoted: PromotedArtifact[] = [];
  for (const service of options.services) {
    const source = join(options.sourceDir, service);
    const target = join(options.targetDir, service);
    const sourceZips = zipsOf(source);
    const targetZips = zipsOf(target);
    if (sourceZips.join() !== targetZips.join())
      throw new Error(
        `${service}: the release has [${sourceZips.join(', ')}], the new build [${targetZips.join(', ')}]: ` +
          'package the source stage again from this commit',
      );
    const hashes = new Map<string, string>();
    for (const zip of targetZips) {
      const expected = manifest.services[service]?.[zip];
      if (!expected || sha256(join(source, zip)) !== expected)
        throw new Error(`${service}/${zip}: the source release's zip does not match its manifest`);
      const differences = contentDifferences(
        readFileSync(join(source, zip)),
        readFileSync(join(target, zip)),
      );
      if (differences.length > 0)
        throw new Error(
          `${service}/${zip}: this build differs from the release in ${differences.slice(0, 5).join(', ')}` +
            `${differences.length > 5 ? ` and ${differences.length - 5} more` : ''}: promote promotes tested code only; ` +
            'check out the commit the source stage was deployed from',
        );
      hashes.set(base64Sha256(join(target, zip)), base64Sha256(join(source, zip)));
      copyFileSync(join(source, zip), join(target, zip));
      promoted.push({
        service,
        artifact: zip,
        sourceSha256: expected,
        targetSha256: sha256(join(target, zip)),
      });
    }
    for (const file of ['cloudformation-template-update-stack.json', 'serverless-state.json']) {
      const path = join(target, file);
      if (!existsSync(path)) continue;
      const json = JSON.parse(readFileSync(path, 'utf8'));
      const template =
        file === 'serverless-state.json' ? json.service.provider.compiledCloudFormationTemplate : json;
      replaceCodeHashes(template, hashes);
      writeFileSync(path, JSON.stringify(json, null, 2));
    }
  }
  const unequal = promoted.filter((artifact) => artifact.sourceSha256 !== artifact.targetSha256);
  if (unequal.length > 0)
    throw new Error(
      `artifacts differ after the copy: ${unequal.map((artifact) => artifact.artifact).join(', ')}`,
    );
  return promoted;
}
