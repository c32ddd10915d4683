// npm run deploy -- --stage <stage> [--region us-west-2] [--preflight-only]
// Checks the stage (every SSM parameter, someone on the ops topic) and stops before CloudFormation if
// anything is missing; then packages every service into .releases/<stage>/, deploys each stack once
// those it depends on in serverless-compose.yml are up, uploads the pages and builds and uploads the
// console (each with its stage's config.json). The release is what `npm run promote` reuses.
import { join } from 'node:path';
import { awsClients, DEFAULT_REGION, describeMapsKey } from './deploy/cli-common.ts';
import { deploy, serverlessDeploy } from './deploy/pipeline.ts';
import { preflight } from './deploy/preflight.ts';
import { checkStage, parseOptions, runCli, UsageError } from './deploy/stage.ts';
import { repoRoot } from './services.ts';

runCli(async () => {
  const { values } = parseOptions({
    stage: { type: 'string' },
    region: { type: 'string', default: DEFAULT_REGION },
    'preflight-only': { type: 'boolean', default: false },
  });
  const stage = checkStage(values.stage);
  const region = values.region ?? DEFAULT_REGION;
  const clients = awsClients(region);
  if (values['preflight-only']) {
    const result = await preflight({ ssm: clients.ssm, sns: clients.sns, stage });
    for (const note of result.notes) console.log(`  note: ${note}`);
    if (result.problems.length > 0)
      throw new UsageError(
        `stage ${stage} is not ready:\n${result.problems.map((p) => `  - ${p}`).join('\n')}`,
      );
    console.log(`Stage ${stage} is ready to deploy.`);
    return 0;
  }
  const started = performance.now();
  await deploy({
    repoRoot,
    releasesRoot: process.env.QDN_RELEASES_DIR ?? join(repoRoot, '.releases'),
    clients,
    region,
    stage,
    deployStack: serverlessDeploy(repoRoot, region),
    describeMapsKey: describeMapsKey(region),
    log: (line) => console.log(line),
  });
  console.log(`Deployed ${stage} in ${((performance.now() - started) / 1000).toFixed(0)} s.`);
  return 0;
});
