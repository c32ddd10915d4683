// npm run promote -- --from staging --to prod [--region us-west-2]
// Deploys to --to exactly what --from runs: the function zips of --from's release (.releases/<from>/)
// byte for byte in templates rendered for --to, then --from's pages and console (--to keeps its own
// config.json files), invalidating only changed paths.
import { join } from 'node:path';
import { awsClients, DEFAULT_REGION, describeMapsKey } from './deploy/cli-common.ts';
import { promote, serverlessDeploy } from './deploy/pipeline.ts';
import { checkStage, parseOptions, runCli } from './deploy/stage.ts';
import { repoRoot } from './services.ts';

runCli(async () => {
  const { values } = parseOptions({
    from: { type: 'string' },
    to: { type: 'string' },
    region: { type: 'string', default: DEFAULT_REGION },
  });
  const from = checkStage(values.from, '--from');
  const to = checkStage(values.to, '--to');
  const region = values.region ?? DEFAULT_REGION;
  const result = await promote({
    repoRoot,
    releasesRoot: process.env.QDN_RELEASES_DIR ?? join(repoRoot, '.releases'),
    clients: awsClients(region),
    region,
    from,
    to,
    deployStack: serverlessDeploy(repoRoot, region),
    describeMapsKey: describeMapsKey(region),
    log: (line) => console.log(line),
  });
  console.log(`Promoted ${from} → ${to}: ${result.artifacts.length} function zips, identical by SHA-256.`);
  return 0;
});
