// npm run secrets -- --stage <stage> [--region us-west-2] [--rotate crew-link-secret]
// Creates or updates every SSM parameter the stage needs (the list: shared/src/stage-parameters.ts).
// Values from the environment (the variable each prompt names) or typed at the prompt; never a repo file.
// A JSON parameter (settings, the Twilio API key) changes field by field: what is not given is kept.
import { STAGE_PARAMETERS } from '@qdn/shared/stage-parameters';
import { awsClients, DEFAULT_REGION, terminalPrompt } from './deploy/cli-common.ts';
import { putStageSecrets } from './deploy/secrets.ts';
import { checkStage, parseOptions, runCli } from './deploy/stage.ts';
import { repoRoot } from './services.ts';

runCli(async () => {
  const { values } = parseOptions({
    stage: { type: 'string' },
    region: { type: 'string', default: DEFAULT_REGION },
    rotate: { type: 'string', multiple: true },
  });
  const stage = checkStage(values.stage);
  const region = values.region ?? DEFAULT_REGION;
  console.log(`SSM parameters of stage ${stage} in ${region} (${STAGE_PARAMETERS.length} in all)`);
  const result = await putStageSecrets({
    ssm: awsClients(region).ssm,
    stage,
    env: process.env,
    prompt: terminalPrompt,
    repoRoot,
    rotate: values.rotate ?? [],
  });
  for (const { name, because } of result.written) console.log(`  ✔ /qdn/${stage}/${name} (${because})`);
  for (const name of result.kept) console.log(`  · /qdn/${stage}/${name} kept`);
  console.log(`Stage ${stage} has every parameter it needs. Next: npm run deploy -- --stage ${stage}`);
  return 0;
});
