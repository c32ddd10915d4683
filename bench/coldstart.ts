// npm run bench:coldstart — module init (what a cold start costs before the first request) of every
// packaged function, against a hello-world module and a bundle that only creates a DynamoDB client (the
// floor every function shares), all measured in the same run on this machine. Each bundle is unzipped
// from its artifact and imported in a fresh Node process with the environment its template gives it
// (AWS values replaced by placeholders: clients are created, never called; no network). Prints a table
// sorted by ratio and writes bench/results/coldstart.json.
//   npm run bench:coldstart                      # packages first (npm run package)
//   BENCH_COLDSTART_SKIP_PACKAGE=1 npm run bench:coldstart   # reuse the artifacts in .serverless/
//   BENCH_COLDSTART_RUNS=7 npm run bench:coldstart           # timed imports per function (default 5)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { type BuildOptions, build } from 'esbuild';
import { repoRoot, serviceNames, templatePath } from '../scripts/services.ts';
import { isPhotoConsumer, type Template, zipEntries } from '../test/infra/checks.ts';

const RUNS = Number(process.env.BENCH_COLDSTART_RUNS ?? 5);
const REGION = 'us-west-2';
const ACCOUNT = '123456789012';

if (!process.env.BENCH_COLDSTART_SKIP_PACKAGE) {
  const packaged = spawnSync('npm', ['run', '--silent', 'package'], { cwd: repoRoot, stdio: 'inherit' });
  if (packaged.status !== 0) process.exit(packaged.status ?? 1);
}

interface Target {
  service: string;
  name: string;
  /** The .mjs to import, and the handler it must export. */
  entry: string;
  exportName: string;
  environment: Record<string, string>;
  zipBytes: number;
  unzippedBytes: number;
  photo: boolean;
  samples: number[];
  /** The handler's source, relative to its service (for the source-map rebuild). */
  source?: string;
}

const workDir = mkdtempSync(join(tmpdir(), 'qdn-coldstart-'));

/** A plausible value for a CloudFormation expression in an environment variable (never called). */
function placeholder(value: unknown, template: Template): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  const expression = value as Record<string, unknown>;
  if ('Ref' in expression) return refValue(String(expression.Ref), template);
  if ('Fn::GetAtt' in expression) {
    const [id, attribute] = expression['Fn::GetAtt'] as [string, string];
    return attributeValue(id, attribute, template);
  }
  if ('Fn::Sub' in expression) {
    const sub = expression['Fn::Sub'];
    const [text, variables] = Array.isArray(sub)
      ? (sub as [string, Record<string, unknown>])
      : [String(sub), {}];
    return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      if (name in variables) return placeholder(variables[name], template);
      const [id, attribute] = name.split('.');
      return attribute ? attributeValue(id!, attribute, template) : refValue(id!, template);
    });
  }
  if ('Fn::Join' in expression) {
    const [separator, parts] = expression['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => placeholder(part, template)).join(separator);
  }
  if ('Fn::ImportValue' in expression)
    return `imported-${placeholder(expression['Fn::ImportValue'], template)}`;
  if ('Fn::If' in expression) return placeholder((expression['Fn::If'] as unknown[])[1], template);
  return JSON.stringify(value);
}

function refValue(id: string, template: Template): string {
  if (id === 'AWS::Region') return REGION;
  if (id === 'AWS::AccountId') return ACCOUNT;
  if (id.startsWith('AWS::')) return id.slice(5).toLowerCase();
  const type = template.Resources[id]?.Type ?? '';
  if (type === 'AWS::SQS::Queue') return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${id}`;
  if (type === 'AWS::SNS::Topic') return `arn:aws:sns:${REGION}:${ACCOUNT}:${id}`;
  return id.toLowerCase();
}

function attributeValue(id: string, attribute: string, template: Template): string {
  const type = template.Resources[id]?.Type ?? '';
  const service = type.split('::')[1]?.toLowerCase() ?? 'unknown';
  if (attribute === 'QueueUrl') return refValue(id, template);
  if (attribute === 'QueueName') return id;
  return `arn:aws:${service}:${REGION}:${ACCOUNT}:${id}`;
}

function unzip(zipPath: string, into: string): { zipBytes: number; unzippedBytes: number } {
  const zip = readFileSync(zipPath);
  let unzippedBytes = 0;
  for (const entry of zipEntries(zip)) {
    if (entry.name.endsWith('/')) continue;
    const target = join(into, entry.name);
    mkdirSync(dirname(target), { recursive: true });
    const data = entry.read();
    unzippedBytes += data.byteLength;
    writeFileSync(target, data);
  }
  return { zipBytes: zip.byteLength, unzippedBytes };
}

const targets: Target[] = [];
for (const service of serviceNames()) {
  const template = JSON.parse(readFileSync(templatePath(service), 'utf8')) as Template;
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const properties = resource.Properties as {
      Handler: string;
      Code: { S3Key?: string };
      Environment?: { Variables?: Record<string, unknown> };
      MemorySize?: number;
    };
    // Inline code (the route-limits custom resource, run at deploy time only) has no artifact.
    if (properties.Code.S3Key === undefined) continue;
    const zipName = properties.Code.S3Key.split('/').pop()!;
    const name = zipName.replace(/\.zip$/, '');
    const dir = join(workDir, service, name);
    const sizes = unzip(join(repoRoot, 'services', service, '.serverless', zipName), dir);
    const handlerFile = properties.Handler.replace(/\.[^.]+$/, '');
    const environment: Record<string, string> = {};
    for (const [key, value] of Object.entries(properties.Environment?.Variables ?? {}))
      environment[key] = placeholder(value, template);
    Object.assign(environment, {
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_LAMBDA_FUNCTION_NAME: `${service}-${id}`,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(properties.MemorySize ?? 512),
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      LAMBDA_TASK_ROOT: dir,
      AWS_ACCESS_KEY_ID: 'AKIDBENCHCOLDSTART',
      AWS_SECRET_ACCESS_KEY: 'bench-coldstart',
      AWS_SESSION_TOKEN: 'bench-coldstart',
    });
    targets.push({
      service,
      name,
      entry: join(dir, `${handlerFile}.mjs`),
      exportName: properties.Handler.split('.').pop()!,
      environment,
      ...sizes,
      photo: isPhotoConsumer({ service, name }),
      samples: [],
      source: `${handlerFile}.ts`,
    });
  }
}

// serverless.common.yml's `esbuild` block as esbuild options. The source-map comparison below checks
// that a bundle built with these is byte-identical to the packaged one, so they cannot drift unseen.
const PACKAGED_BUILD = {
  bundle: true,
  minify: true,
  sourcemap: false,
  keepNames: true,
  mainFields: ['module', 'main'],
  platform: 'node',
  target: 'node24',
  format: 'esm',
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
  logLevel: 'error',
} satisfies BuildOptions;

// The two baselines, built and timed exactly like the functions (same esbuild settings, same
// environment shape).
const helloWorld = join(workDir, 'baseline', 'hello-world.mjs');
mkdirSync(dirname(helloWorld), { recursive: true });
writeFileSync(helloWorld, 'export const handler = async () => ({ statusCode: 200, body: "hello" });\n');
const dynamoSource = join(workDir, 'baseline', 'dynamodb-client.ts');
writeFileSync(
  dynamoSource,
  [
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
    "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
    'const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));',
    'export const handler = async () => client.config.region();',
  ].join('\n'),
);
await build({
  ...PACKAGED_BUILD,
  entryPoints: [dynamoSource],
  outfile: join(workDir, 'baseline', 'dynamodb-client.mjs'),
  nodePaths: [join(repoRoot, 'node_modules')],
});
const baseEnvironment = { ...targets[0]!.environment, LAMBDA_TASK_ROOT: join(workDir, 'baseline') };
const baselines: Target[] = [
  { name: 'hello-world', entry: helloWorld, exportName: 'handler', zipBytes: 0, unzippedBytes: 0 },
  {
    name: 'dynamodb-client',
    entry: join(workDir, 'baseline', 'dynamodb-client.mjs'),
    exportName: 'handler',
    zipBytes: 0,
    unzippedBytes: 0,
  },
].map((baseline) => ({
  ...baseline,
  service: 'baseline',
  environment: baseEnvironment,
  photo: false,
  samples: [],
}));

// Times `import()` of the module in a fresh process: everything a cold start runs before the handler is
// called (module code, client construction, config checks), not Node's own boot.
const runner = join(workDir, 'time-import.mjs');
writeFileSync(
  runner,
  [
    'const started = performance.now();',
    'const module = await import(process.argv[2]);',
    'const ms = performance.now() - started;',
    "if (typeof module[process.argv[3]] !== 'function') throw new Error('no handler export ' + process.argv[3]);",
    'process.stdout.write(JSON.stringify({ ms }));',
  ].join('\n'),
);

function timeImport(target: Target): number {
  const result = spawnSync(process.execPath, [runner, target.entry, target.exportName], {
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...target.environment },
    encoding: 'utf8',
  });
  if (result.status !== 0)
    throw new Error(`${target.service}/${target.name} failed to load:\n${result.stderr}`);
  return (JSON.parse(result.stdout) as { ms: number }).ms;
}

// The photo consumer carries sharp's linux-arm64 build (Lambda's), which loads only on an arm64 host.
const untimed = targets.filter((target) => target.photo && process.arch !== 'arm64');
if (untimed.length > 0)
  console.log(
    `Not timed on ${process.arch}: ${untimed.map((t) => `${t.service}/${t.name}`).join(', ')} (sharp's linux-arm64 build)`,
  );
const timed = targets.filter((target) => !untimed.includes(target));
// Source maps, measured: the same handlers rebuilt with a linked map (names and lines, no sources'
// text) and imported as Lambda would run them with `NODE_OPTIONS=--enable-source-maps`, which makes
// Node read the map at load. Two functions per service, timed in the same interleaved runs as the
// packaged (map-less) bundles they are compared with.
const SOURCE_MAP_SAMPLE_PER_SERVICE = 2;
interface SourceMapVariant {
  of: Target;
  withMap: Target;
  mapBytes: number;
  mapDeflatedBytes: number;
}
const sourceMapVariants: SourceMapVariant[] = [];
for (const service of new Set(timed.map((target) => target.service))) {
  const sample = timed
    .filter((target) => target.service === service && !target.photo)
    .slice(0, SOURCE_MAP_SAMPLE_PER_SERVICE);
  for (const target of sample) {
    const serviceDir = join(repoRoot, 'services', service);
    const plain = await build({
      ...PACKAGED_BUILD,
      entryPoints: [target.source!],
      absWorkingDir: serviceDir,
      write: false,
    });
    if (!Buffer.from(plain.outputFiles[0]!.contents).equals(readFileSync(target.entry)))
      throw new Error(
        `${service}/${target.name}: rebuilt bundle differs from the packaged one; PACKAGED_BUILD no longer matches serverless.common.yml's esbuild block`,
      );
    const outfile = join(workDir, 'sourcemap', service, target.name, target.source!.replace(/\.ts$/, '.mjs'));
    await build({
      ...PACKAGED_BUILD,
      entryPoints: [target.source!],
      absWorkingDir: serviceDir,
      outfile,
      sourcemap: 'linked',
      sourcesContent: false,
    });
    const map = readFileSync(`${outfile}.map`);
    sourceMapVariants.push({
      of: target,
      withMap: {
        ...target,
        name: `${target.name} +map`,
        entry: outfile,
        environment: { ...target.environment, NODE_OPTIONS: '--enable-source-maps' },
        samples: [],
      },
      mapBytes: map.byteLength,
      mapDeflatedBytes: deflateRawSync(map).byteLength,
    });
  }
}

const everything = [...baselines, ...timed, ...sourceMapVariants.map((variant) => variant.withMap)];
console.log(
  `Timing ${timed.length} functions, 2 baselines and ${sourceMapVariants.length} source-map variants, ${RUNS} imports each (after one untimed)…`,
);
for (const target of everything) timeImport(target); // warm the page cache: every run then reads from memory
// Interleaved: a burst of load on the machine spreads over every function instead of hitting one.
for (let run = 0; run < RUNS; run++) for (const target of everything) target.samples.push(timeImport(target));

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const round = (value: number, digits = 1) => Number(value.toFixed(digits));
const [hello, dynamo] = baselines.map((baseline) => median(baseline.samples)) as [number, number];
const rows = timed
  .map((target) => {
    const initMs = median(target.samples);
    return {
      function: `${target.service}/${target.name}`,
      photo: target.photo,
      zipKB: round(target.zipBytes / 1024),
      unzippedKB: round(target.unzippedBytes / 1024),
      initMs: round(initMs),
      samplesMs: target.samples.map((sample) => round(sample)),
      ratioToHelloWorld: round(initMs / hello),
      ratioToDynamoDbClient: round(initMs / dynamo, 2),
    };
  })
  .sort((a, b) => a.ratioToHelloWorld - b.ratioToHelloWorld);

const nonPhoto = rows.filter((row) => !row.photo);
const slowest = nonPhoto.reduce((worst, row) => (row.initMs > worst.initMs ? row : worst));
const summary = {
  functions: rows.length,
  medianZipKB: round(median(rows.map((row) => row.zipKB))),
  largestNonPhotoZipKB: Math.max(...nonPhoto.map((row) => row.zipKB)),
  medianInitMs: round(median(rows.map((row) => row.initMs))),
  slowestNonPhoto: { function: slowest.function, initMs: slowest.initMs },
  helloWorldMs: round(hello, 2),
  dynamoDbClientMs: round(dynamo),
  medianRatioToDynamoDbClient: round(median(rows.map((row) => row.initMs)) / dynamo, 2),
};
const targetsMet = {
  'median zip ≤ 300 KB': summary.medianZipKB <= 300,
  'every zip but the photo consumer ≤ 1 MB': summary.largestNonPhotoZipKB <= 1024,
  'median init ≤ 250 ms': summary.medianInitMs <= 250,
  'slowest non-photo init ≤ 500 ms': slowest.initMs <= 500,
  'median init ≤ 2× the DynamoDB-client baseline': summary.medianRatioToDynamoDbClient <= 2,
};

const header = `${'function'.padEnd(40)} ${'zip KB'.padStart(8)} ${'init ms'.padStart(9)} ${'×hello'.padStart(8)} ${'×dynamo'.padStart(8)}`;
console.log(`\n${header}\n${'─'.repeat(header.length)}`);
console.log(
  `${'baseline/hello-world'.padEnd(40)} ${''.padStart(8)} ${hello.toFixed(1).padStart(9)} ${'1.0'.padStart(8)} ${(hello / dynamo).toFixed(2).padStart(8)}`,
);
console.log(
  `${'baseline/dynamodb-client'.padEnd(40)} ${''.padStart(8)} ${dynamo.toFixed(1).padStart(9)} ${(dynamo / hello).toFixed(1).padStart(8)} ${'1.00'.padStart(8)}`,
);
for (const row of rows) {
  console.log(
    `${(row.function + (row.photo ? ' (photo)' : '')).padEnd(40)} ${row.zipKB.toFixed(1).padStart(8)} ${row.initMs.toFixed(1).padStart(9)} ${row.ratioToHelloWorld.toFixed(1).padStart(8)} ${row.ratioToDynamoDbClient.toFixed(2).padStart(8)}`,
  );
}
console.log(
  `\n${rows.length} functions: median zip ${summary.medianZipKB} KB (largest non-photo ${summary.largestNonPhotoZipKB} KB); ` +
    `median init ${summary.medianInitMs} ms = ${summary.medianRatioToDynamoDbClient}× the DynamoDB client (${summary.dynamoDbClientMs} ms); ` +
    `slowest non-photo ${slowest.function} ${slowest.initMs} ms; hello-world ${summary.helloWorldMs} ms`,
);
for (const [target, met] of Object.entries(targetsMet)) console.log(`  ${met ? 'met ' : 'MISS'} ${target}`);

const sourceMapRows = sourceMapVariants.map((variant) => {
  const withoutMs = median(variant.of.samples);
  const withMs = median(variant.withMap.samples);
  return {
    function: `${variant.of.service}/${variant.of.name}`,
    initMsWithoutMap: round(withoutMs),
    initMsWithMap: round(withMs),
    deltaMs: round(withMs - withoutMs),
    mapKB: round(variant.mapBytes / 1024),
    mapZippedKB: round(variant.mapDeflatedBytes / 1024),
    zipKB: round(variant.of.zipBytes / 1024),
  };
});
const sourceMaps = {
  how: 'same handlers rebuilt with sourcemap linked (sourcesContent false), run with NODE_OPTIONS=--enable-source-maps',
  functions: sourceMapRows.length,
  medianInitMsWithoutMap: round(median(sourceMapRows.map((row) => row.initMsWithoutMap))),
  medianInitMsWithMap: round(median(sourceMapRows.map((row) => row.initMsWithMap))),
  medianDeltaMs: round(median(sourceMapRows.map((row) => row.deltaMs))),
  medianZipKBWithoutMap: round(median(sourceMapRows.map((row) => row.zipKB))),
  medianZipKBWithMap: round(median(sourceMapRows.map((row) => row.zipKB + row.mapZippedKB))),
  rows: sourceMapRows,
};
const mapHeader = `${'source maps (linked + --enable-source-maps)'.padEnd(44)} ${'no map'.padStart(8)} ${'map'.padStart(8)} ${'Δ ms'.padStart(7)} ${'map KB zipped'.padStart(14)}`;
console.log(`\n${mapHeader}\n${'─'.repeat(mapHeader.length)}`);
for (const row of sourceMapRows) {
  console.log(
    `${row.function.padEnd(44)} ${row.initMsWithoutMap.toFixed(1).padStart(8)} ${row.initMsWithMap.toFixed(1).padStart(8)} ${row.deltaMs.toFixed(1).padStart(7)} ${row.mapZippedKB.toFixed(1).padStart(14)}`,
  );
}
console.log(
  `median init ${sourceMaps.medianInitMsWithoutMap} ms without a map, ${sourceMaps.medianInitMsWithMap} ms with one ` +
    `(Δ ${sourceMaps.medianDeltaMs} ms); median zip ${sourceMaps.medianZipKBWithoutMap} → ${sourceMaps.medianZipKBWithMap} KB with the map in it`,
);

const resultsDir = join(repoRoot, 'bench', 'results');
if (!existsSync(resultsDir)) mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  join(resultsDir, 'coldstart.json'),
  `${JSON.stringify(
    {
      benchmark: 'coldstart',
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
      runs: RUNS,
      summary,
      targets: targetsMet,
      functions: rows,
      sourceMaps,
      baselines: baselines.map((baseline) => ({
        name: baseline.name,
        initMs: round(median(baseline.samples), 2),
        samplesMs: baseline.samples.map((sample) => round(sample, 2)),
      })),
    },
    null,
    2,
  )}\n`,
);
console.log('\nSaved bench/results/coldstart.json');
rmSync(workDir, { recursive: true, force: true });
