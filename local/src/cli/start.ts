// `npm start`: the whole system on this machine. `npm start -- --reset` starts with empty data.
import { parseArgs } from 'node:util';
import { startLocalCloud } from '../cloud.ts';
import { LocalCloudSetupError } from '../processes.ts';

const { values } = parseArgs({
  options: { reset: { type: 'boolean', default: false }, quiet: { type: 'boolean' } },
});
const started = performance.now();

try {
  const cloud = await startLocalCloud({
    reset: values.reset,
    quiet: values.quiet ?? false,
    log: (line) => console.log(`  · ${line}`),
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`
QDN Dispatch is running locally (ready in ${seconds} s)

  API            ${cloud.apiUrl}
  Site (pages)   ${cloud.siteUrl}
  Control API    ${cloud.apiUrl}/_local/health   (README: "Local control API")
  Data dir       ${cloud.dataDir}   (npm start -- --reset starts empty)
  Dev token      npm run token -- --role dispatcher   or   curl '${cloud.apiUrl}/_local/token?role=admin'
  Outbox (SMS)   npm run outbox
  Inbound SMS    npm run sms -- --from +16195550123 "When is the truck coming?"
  Emulators      DynamoDB ${cloud.endpoints.dynamodb} · SQS/SNS/S3 ${cloud.endpoints.sqs} · EventBridge ${cloud.endpoints.events}

Functions: ${[...cloud.functions.keys()].join(', ')}
Ctrl-C stops everything.
`);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    await cloud.stop();
    console.log('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
} catch (error) {
  if (error instanceof LocalCloudSetupError) {
    console.error(`\nCannot start the local cloud: ${error.message}`);
  } else {
    console.error('\nThe local cloud failed to start:', error);
  }
  process.exit(1);
}
