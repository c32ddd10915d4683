// npm run import -- <jobs.json> --stage <stage> [--brand qdn] [--region us-west-2] [--json]
// One-off move from the first system (issue 19): its jobs.json manifest into the stage's jobs table,
// texting nobody, old tracking links kept working. Safe to run again: jobs already imported are left
// alone. `--stage local` writes to the running local cloud (`npm start`; QDN_API_URL / QDN_PORT say
// where), any other stage to AWS with your credentials (DynamoDB PutItem/GetItem on qdn-<stage>-jobs,
// SSM GetParameter on /qdn/<stage>/brands and /qdn/<stage>/tracking-link-secret).
// Exit code: 0 all imported (or already there), 2 some records refused (the rest imported), 1 an error.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { brandsFrom } from '@qdn/shared/brands';
import { stageParameterName } from '@qdn/shared/stage-parameters';
import { DynamoJobRepository } from '../services/jobs/src/adapters/job-store.ts';
import { importLegacyJobs } from '../services/jobs/src/domain/legacy-import.ts';
import { DEFAULT_REGION } from './deploy/cli-common.ts';
import { runCli, UsageError } from './deploy/stage.ts';

const USAGE =
  'usage: npm run import -- <jobs.json> --stage <stage> [--brand <brandId>] [--region <region>] [--json]';

/** The running local cloud's emulator endpoints and the access key it signs with, from its control API. */
async function localEndpoints(): Promise<{ dynamodb: string; ssm: string; accessKeyId: string }> {
  const base = process.env.QDN_API_URL ?? `http://localhost:${process.env.QDN_PORT ?? 3000}`;
  const response = await fetch(`${base}/_local/health`).catch(() => undefined);
  if (!response?.ok) throw new UsageError(`Nothing answers at ${base}. Is \`npm start\` running?`);
  const { endpoints, accessKeyId } = (await response.json()) as {
    endpoints: { dynamodb: string; ssm: string };
    accessKeyId: string;
  };
  return { ...endpoints, accessKeyId };
}

function parseOptions() {
  try {
    return parseArgs({
      allowPositionals: true,
      strict: true,
      options: {
        stage: { type: 'string' },
        brand: { type: 'string' },
        region: { type: 'string', default: DEFAULT_REGION },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
}

runCli(async () => {
  const { values, positionals } = parseOptions();
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) throw new UsageError(USAGE);
  const stage = values.stage;
  if (!stage || !/^[a-z][a-z0-9-]{1,19}$/.test(stage)) throw new UsageError(`--stage is required\n${USAGE}`);

  const manifestText = await readFile(file, 'utf8').catch((error: Error) => {
    throw new UsageError(`Cannot read ${file}: ${error.message}`);
  });
  let manifest: unknown;
  try {
    manifest = JSON.parse(manifestText);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }

  const local = stage === 'local' ? await localEndpoints() : undefined;
  const clientConfig = (endpoint: string | undefined) => ({
    region: local ? 'us-west-2' : (values.region ?? DEFAULT_REGION),
    ...(endpoint && local
      ? { endpoint, credentials: { accessKeyId: local.accessKeyId, secretAccessKey: 'local' } }
      : {}),
  });
  const ssm = new SSMClient(clientConfig(local?.ssm));
  const parameter = async (name: string) => {
    const { Parameter } = await ssm.send(
      new GetParameterCommand({ Name: stageParameterName(stage, name), WithDecryption: true }),
    );
    if (!Parameter?.Value) throw new Error(`SSM parameter ${stageParameterName(stage, name)} is empty`);
    return Parameter.Value;
  };
  const brands = brandsFrom(JSON.parse(await parameter('brands')));
  const secret = await parameter('tracking-link-secret');
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(local?.dynamodb)), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });

  const report = await importLegacyJobs(
    {
      repository: new DynamoJobRepository(documents, `qdn-${stage}-jobs`),
      brands,
      trackingLinkSecret: async () => secret,
      now: () => new Date(),
    },
    { ...(values.brand ? { brandId: values.brand } : {}), manifest, importedBy: 'import' },
  );

  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    for (const job of report.imported) console.log(`  ✔ #${job.index} ${job.legacyJobId} → ${job.jobId}`);
    for (const job of report.alreadyImported)
      console.log(`  · #${job.index} ${job.legacyJobId} → ${job.jobId} (imported before; left as it is)`);
    for (const problem of report.problems) {
      console.log(`  ✖ #${problem.index}${problem.jobId ? ` ${problem.jobId}` : ''} not imported:`);
      for (const error of problem.errors) console.log(`      ${error.field}: ${error.message}`);
    }
    console.log(
      `${report.imported.length} imported, ${report.alreadyImported.length} already there, ${report.problems.length} refused (stage ${stage}); nobody was texted.`,
    );
  }
  return report.problems.length > 0 ? 2 : 0;
});
