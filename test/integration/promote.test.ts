// Build once, promote the same artifact: a release deployed to one local stage is promoted to another.
// Real packaging (serverless, for two stages), the console's real build, the local cloud's S3 for both
// stages' site and console buckets and its CloudFront invalidation recorder; only CloudFormation is a
// recorder (no local CloudFormation) and Amazon Location's DescribeKey a table of two keys.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type LocalCloud, startLocalCloud } from '@qdn/local-cloud';
import { STAGE_PARAMETERS } from '@qdn/shared/stage-parameters';
import { ConsoleTarget, consoleConfig, consoleParameterName } from '../../scripts/deploy/console.ts';
import { type Clients, deploy, promote } from '../../scripts/deploy/pipeline.ts';
import { readManifest, sha256, zipsOf } from '../../scripts/deploy/releases.ts';
import { siteParameterName } from '../../scripts/deploy/site.ts';
import { repoRoot } from '../../scripts/services.ts';

const STAGING = 'local-staging';
const PROD = 'local-prod';
// The smallest service with functions, the pages and the console.
const SERVICES = ['scc-bridge', 'site', 'console'];
const releasesRoot = mkdtempSync(join(tmpdir(), 'qdn-releases-'));
const MAPS_KEYS: Record<string, string> = {
  [`qdn-${STAGING}-console-maps`]: 'v1.public.staging-key',
  [`qdn-${PROD}-console-maps`]: 'v1.public.prod-key',
};
/** Each stage's console target, as the console stack writes /qdn/<stage>/console. */
const consoleTargetOf = (stage: string, apiBaseUrl: string) =>
  ConsoleTarget.parse({
    bucket: `qdn-${stage}-console`,
    distributionId: `C${stage.toUpperCase().replace('-', '')}`,
    apiBaseUrl,
    authDomain: `https://qdn-${stage}-staff.auth.us-west-2.amazoncognito.com`,
    clientId: `client-${stage}`,
    mapsKeyName: `qdn-${stage}-console-maps`,
    region: 'us-west-2',
  });
let cloud: LocalCloud;
let clients: Clients;
const deployed: { service: string; stage: string; template: string }[] = [];
/** Each stage's own settings (/qdn/<stage>/settings, as `npm run secrets` writes them). */
const SETTINGS: Record<string, Record<string, string>> = {
  [STAGING]: {
    apiBaseUrl: 'https://api-staging.example.com',
    sccApiBaseUrl: 'https://scc-staging.example.com',
    consoleBaseUrl: 'https://dashboard-staging.example.com',
    photoOrigins: 'https://dashboard-staging.example.com,https://staging.example.com',
    siteDefaultBrandId: 'qdn',
  },
  [PROD]: {
    apiBaseUrl: 'https://api.example.com',
    sccApiBaseUrl: 'https://scc.example.com',
    consoleBaseUrl: 'https://dashboard.example.com',
    photoOrigins: 'https://dashboard.example.com,https://example.com',
    siteDefaultBrandId: 'jada',
  },
};
/** The template CloudFormation got for a service on a stage. */
const templateOf = (service: string, stage: string) =>
  JSON.parse(deployed.find((entry) => entry.service === service && entry.stage === stage)!.template) as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
/** SCC_API_BASE_URL of every function in a template that has it (the service's own functions). */
const sccBaseUrlsOf = (template: ReturnType<typeof templateOf>) =>
  Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::Lambda::Function')
    .map(
      (resource) =>
        (resource.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables
          ?.SCC_API_BASE_URL,
    )
    .filter((value) => value !== undefined);
const log: string[] = [];

const options = () => ({
  repoRoot,
  releasesRoot,
  clients,
  services: SERVICES,
  log: (line: string) => log.push(line),
  // Each stage's console maps key, as DescribeKey answers it.
  describeMapsKey: async (name: string) => MAPS_KEYS[name],
  // CloudFormation's step: records which package each stack would get.
  deployStack: async (service: string, stage: string, packageDir: string) => {
    deployed.push({
      service,
      stage,
      template: readFileSync(join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8'),
    });
  },
});

async function bucketFiles(bucket: string): Promise<Record<string, string>> {
  const listed = await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  const files: Record<string, string> = {};
  for (const object of listed.Contents ?? []) {
    const body = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }));
    files[object.Key!] = await body.Body!.transformToString();
  }
  return files;
}

const dataDir = mkdtempSync(join(tmpdir(), 'qdn-promote-'));

beforeAll(async () => {
  cloud = await startLocalCloud({
    dataDir,
    port: 0,
    sitePort: 0,
    quiet: true,
  });
  const local = { region: 'us-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  clients = {
    ssm: new SSMClient({ ...local, endpoint: cloud.endpoints.ssm }),
    sns: cloud.clients.sns,
    s3: new S3Client({ ...local, endpoint: cloud.endpoints.s3, forcePathStyle: true }),
    cloudfront: new CloudFrontClient({ ...local, region: 'us-east-1', endpoint: cloud.endpoints.cloudfront }),
  };
  // Both stages as `npm run secrets` and the site stack leave them: every parameter, and where the
  // stage's pages live.
  for (const [stage, apiBaseUrl] of [
    [STAGING, 'https://api-staging.example.com'],
    [PROD, 'https://api.example.com'],
  ] as const) {
    for (const parameter of STAGE_PARAMETERS)
      cloud.ssm.set(`/qdn/${stage}/${parameter.name}`, {
        value: `${stage}-${parameter.name}`,
        type: parameter.type,
      });
    cloud.ssm.set(`/qdn/${stage}/settings`, { value: JSON.stringify(SETTINGS[stage]) });
    // Staging's brand catalog is a real one (the console's config.json takes the business's zone from
    // it); prod's stays a placeholder, whose console learns the zone from the brands.
    if (stage === STAGING)
      cloud.ssm.set(`/qdn/${stage}/brands`, {
        value: readFileSync(join(repoRoot, 'shared/config/brands.local.json'), 'utf8'),
      });
    const bucket = `qdn-${stage}-site`;
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    cloud.ssm.set(siteParameterName(stage), {
      value: JSON.stringify({
        bucket,
        distributionId: `E${stage.toUpperCase().replace('-', '')}`,
        apiBaseUrl,
        defaultBrandId: 'qdn',
      }),
    });
    const consoleTarget = consoleTargetOf(stage, apiBaseUrl);
    await clients.s3.send(new CreateBucketCommand({ Bucket: consoleTarget.bucket }));
    cloud.ssm.set(consoleParameterName(stage), { value: JSON.stringify(consoleTarget) });
  }
}, 120_000);

afterAll(async () => {
  await cloud?.stop();
  // Temporary folders are in memory in the test runs (/dev/shm): a release is ≈6 MB.
  for (const dir of [dataDir, releasesRoot]) rmSync(dir, { recursive: true, force: true });
});

describe('npm run deploy, then npm run promote between two local stages', () => {
  it('deploys staging: a release with hashed zips, every stack in order, its pages and its built console, each with its config.json, and their invalidations', async () => {
    // The console's bucket holds an earlier build: its map chunk, and a file no build makes any more.
    const stagingConsoleBucket = consoleTargetOf(STAGING, 'https://api-staging.example.com').bucket;
    for (const [Key, Body] of [
      ['board-map-0LDBU1LD.js', 'an earlier build'],
      ['retired.txt', 'not in any build'],
    ])
      await clients.s3.send(new PutObjectCommand({ Bucket: stagingConsoleBucket, Key, Body }));
    // serverless-esbuild stages each zip in `<function>-<pid>-<ms>-<hex>` under the temporary directory
    // and leaves it there (floydspace/serverless-esbuild#589): packaging gets one of its own, removed.
    // Each service is packaged from a copy under .cache/ (scripts/deploy/releases.ts), removed after.
    const leftovers = () => [
      ...readdirSync(tmpdir()).filter((name) => /^\w+-\d+-\d{13}-[0-9a-f]{8}$/.test(name)),
      ...readdirSync(join(repoRoot, '.cache')).filter((name) => name.startsWith('packaging-')),
    ];
    const leftBefore = leftovers();
    const result = await deploy({ ...options(), stage: STAGING });
    expect(leftovers().filter((name) => !leftBefore.includes(name))).toEqual([]);
    expect(deployed.map((entry) => `${entry.service}@${entry.stage}`)).toEqual([
      'scc-bridge@local-staging',
      'site@local-staging',
      'console@local-staging',
    ]);
    // Staging's templates carry staging's own settings, not the serverless.yml defaults.
    const stagingScc = sccBaseUrlsOf(templateOf('scc-bridge', STAGING));
    expect(stagingScc.length).toBeGreaterThan(0);
    expect(new Set(stagingScc)).toEqual(new Set(['https://scc-staging.example.com']));
    const stagingSite = deployed.find((entry) => entry.service === 'site')!.template;
    expect(stagingSite).toContain('\\"defaultBrandId\\": \\"qdn\\"');
    expect(stagingSite).toContain('https://api-staging.example.com');
    expect(deployed.find((entry) => entry.service === 'console')!.template).toContain(
      'https://api-staging.example.com',
    );
    const manifest = readManifest(join(releasesRoot, STAGING));
    const zips = zipsOf(join(releasesRoot, STAGING, 'scc-bridge'));
    expect(zips.length).toBeGreaterThan(0);
    for (const zip of zips)
      expect(manifest.services['scc-bridge']![zip]).toBe(
        sha256(join(releasesRoot, STAGING, 'scc-bridge', zip)),
      );
    const staged = await bucketFiles(`qdn-${STAGING}-site`);
    expect(staged['track.html']).toBe(
      readFileSync(join(repoRoot, 'services/site/public/track.html'), 'utf8'),
    );
    expect(JSON.parse(staged['config.json']!)).toEqual({
      apiBaseUrl: 'https://api-staging.example.com',
      defaultBrandId: 'qdn',
    });
    const [invalidation] = cloud.cloudfront.invalidations('ELOCALSTAGING');
    expect(invalidation!.paths).toEqual(result.site!.invalidated);
    expect(invalidation!.paths).toContain('/track.html');
    expect(invalidation!.paths).toContain('/config.json');

    // The console: built, uploaded with the stage's config.json (its API, sign-in and map key).
    const target = consoleTargetOf(STAGING, 'https://api-staging.example.com');
    const app = await bucketFiles(target.bucket);
    // A console opened before the deploy still finds its own map chunk; what no build names is gone.
    expect(app['board-map-0LDBU1LD.js']).toBe('an earlier build');
    expect(app['retired.txt']).toBeUndefined();
    expect(JSON.parse(app['config.json']!)).toEqual(
      consoleConfig(target, 'v1.public.staging-key', 'America/Los_Angeles'),
    );
    expect(JSON.parse(app['config.json']!).timeZone).toBe('America/Los_Angeles');
    expect(JSON.parse(app['config.json']!).map.styleUrl).toBe(
      'https://maps.geo.us-west-2.amazonaws.com/v2/styles/Standard/descriptor?key=v1.public.staging-key',
    );
    const script = /<script[^>]+src="\/([^"]+)"/.exec(app['index.html']!)?.[1];
    expect(script).toMatch(/^app-[A-Z0-9]{8}\.js$/);
    expect(app[script!]).toBeDefined();
    const cacheControlOf = async (key: string) =>
      (await clients.s3.send(new HeadObjectCommand({ Bucket: target.bucket, Key: key }))).CacheControl;
    expect(await cacheControlOf(script!)).toBe('public, max-age=31536000, immutable');
    expect(await cacheControlOf('index.html')).toBe('no-cache');
    expect(await cacheControlOf('config.json')).toBe('no-cache');
    const [consoleInvalidation] = cloud.cloudfront.invalidations(target.distributionId);
    expect(consoleInvalidation!.paths).toEqual(result.console!.invalidated);
    expect(consoleInvalidation!.paths).toEqual(
      expect.arrayContaining(['/index.html', '/config.json', `/${script}`]),
    );
  }, 180_000);

  it("promotes to prod: the same zips byte for byte, prod templates, copied pages and console with prod's own config.json, exactly the changed paths invalidated", async () => {
    // Prod runs an older site: one page differs, one script staging no longer has, its own config.
    const prodBucket = `qdn-${PROD}-site`;
    const stagingFiles = await bucketFiles(`qdn-${STAGING}-site`);
    for (const [key, body] of Object.entries(stagingFiles))
      if (key !== 'config.json')
        await clients.s3.send(
          new PutObjectCommand({
            Bucket: prodBucket,
            Key: key,
            Body: key === 'book.html' ? `${body}<!-- old -->` : body,
          }),
        );
    await clients.s3.send(new PutObjectCommand({ Bucket: prodBucket, Key: 'js/retired.js', Body: 'old' }));
    const prodConfig = JSON.stringify({ apiBaseUrl: 'https://api.example.com', defaultBrandId: 'qdn' });
    await clients.s3.send(new PutObjectCommand({ Bucket: prodBucket, Key: 'config.json', Body: prodConfig }));
    await clients.s3.send(
      new PutObjectCommand({
        Bucket: consoleTargetOf(PROD, 'https://api.example.com').bucket,
        Key: 'board-map-PR0DOLD1.js',
        Body: "prod's earlier build",
      }),
    );
    deployed.length = 0;

    const result = await promote({ ...options(), from: STAGING, to: PROD });

    // Artifacts: every zip of the prod release is staging's, byte for byte.
    const stagingManifest = readManifest(join(releasesRoot, STAGING));
    const prodManifest = readManifest(join(releasesRoot, PROD));
    expect(prodManifest.promotedFrom).toBe(STAGING);
    expect(prodManifest.services).toEqual(stagingManifest.services);
    expect(result.artifacts.length).toBe(Object.keys(stagingManifest.services['scc-bridge']!).length);
    for (const artifact of result.artifacts) {
      expect(artifact.targetSha256).toBe(artifact.sourceSha256);
      expect(sha256(join(releasesRoot, PROD, artifact.service, artifact.artifact))).toBe(
        sha256(join(releasesRoot, STAGING, artifact.service, artifact.artifact)),
      );
    }
    // Templates rendered for prod, pointing at staging's code.
    const template = deployed.find(
      (entry) => entry.service === 'scc-bridge' && entry.stage === PROD,
    )!.template;
    expect(template).toContain('qdn-local-prod');
    expect(template).not.toContain('qdn-local-staging');
    // ...and with prod's own settings: its SCC, its API, its pages' default brand.
    const prodScc = sccBaseUrlsOf(templateOf('scc-bridge', PROD));
    expect(prodScc.length).toBeGreaterThan(0);
    expect(new Set(prodScc)).toEqual(new Set(['https://scc.example.com']));
    const prodSite = deployed.find((entry) => entry.service === 'site' && entry.stage === PROD)!.template;
    expect(prodSite).toContain('\\"defaultBrandId\\": \\"jada\\"');
    expect(prodSite).not.toContain('api-staging.example.com');
    expect(
      deployed.find((entry) => entry.service === 'console' && entry.stage === PROD)!.template,
    ).not.toContain('api-staging.example.com');
    const versions = Object.values(
      JSON.parse(template).Resources as Record<string, { Type: string; Properties: { CodeSha256: string } }>,
    )
      .filter((resource) => resource.Type === 'AWS::Lambda::Version')
      .map((resource) => resource.Properties.CodeSha256);
    const zipHashes = zipsOf(join(releasesRoot, STAGING, 'scc-bridge')).map((zip) =>
      createHash('sha256')
        .update(readFileSync(join(releasesRoot, STAGING, 'scc-bridge', zip)))
        .digest('base64'),
    );
    expect(versions.length).toBeGreaterThan(0);
    for (const hash of versions) expect(zipHashes).toContain(hash);

    // Pages: prod holds staging's pages and keeps its own config.json.
    const prodFiles = await bucketFiles(prodBucket);
    expect(prodFiles).toEqual({ ...stagingFiles, 'config.json': prodConfig });
    // Exactly what changed: the page that differed and the script that is gone.
    expect(result.site!.invalidated).toEqual(['/book.html', '/js/retired.js']);
    expect(cloud.cloudfront.invalidations('ELOCALPROD').map((invalidation) => invalidation.paths)).toEqual([
      ['/book.html', '/js/retired.js'],
    ]);
    // The control API shows the same record.
    const recorded = (await (
      await fetch(`${cloud.apiUrl}/_local/cloudfront/invalidations?distributionId=ELOCALPROD`)
    ).json()) as {
      invalidations: { paths: string[] }[];
    };
    expect(recorded.invalidations.map((invalidation) => invalidation.paths)).toEqual([
      ['/book.html', '/js/retired.js'],
    ]);

    // The console: staging's built app byte for byte, with prod's own config.json; prod's earlier
    // build's chunk stays for the consoles still open.
    const stagingConsole = consoleTargetOf(STAGING, 'https://api-staging.example.com');
    const prodConsole = consoleTargetOf(PROD, 'https://api.example.com');
    const stagingApp = await bucketFiles(stagingConsole.bucket);
    const prodApp = await bucketFiles(prodConsole.bucket);
    expect(prodApp).toEqual({
      ...stagingApp,
      'config.json': JSON.stringify(consoleConfig(prodConsole, 'v1.public.prod-key')),
      'board-map-PR0DOLD1.js': "prod's earlier build",
    });
    expect(JSON.parse(prodApp['config.json']!).auth).toEqual({
      domain: 'https://qdn-local-prod-staff.auth.us-west-2.amazoncognito.com',
      clientId: 'client-local-prod',
    });
    expect(result.console!.invalidated).toEqual(
      Object.keys(stagingApp)
        .map((key) => `/${key}`)
        .sort(),
    );
  }, 180_000);

  it('promoting again changes and invalidates nothing', async () => {
    const before = cloud.cloudfront.invalidations('ELOCALPROD').length;
    const result = await promote({ ...options(), from: STAGING, to: PROD });
    expect(result.site!.invalidated).toEqual([]);
    expect(result.console!.invalidated).toEqual([]);
    expect(cloud.cloudfront.invalidations('ELOCALPROD')).toHaveLength(before);
  }, 180_000);
});
