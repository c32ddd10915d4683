// `npm start`: the whole system on this machine. `npm start -- --reset` starts with empty data.
import { parseArgs } from 'node:util';
import { type LocalCloud, startLocalCloud } from '../cloud.ts';
import { LocalCloudSetupError } from '../processes.ts';

const { values } = parseArgs({
  options: { reset: { type: 'boolean', default: false }, quiet: { type: 'boolean' } },
});
const started = performance.now();

/** The one message a person needs once the cloud is up: where things are and what to try next. */
function readyBanner(cloud: LocalCloud, seconds: string): string {
  const rows: [string, string][] = [
    ['API', `${cloud.apiUrl}   (health: ${cloud.apiUrl}/_local/health)`],
    ['Site (pages)', `${cloud.siteUrl}/book`],
  ];
  if (cloud.consoleUrl) rows.push(['Console', cloud.consoleUrl]);
  rows.push(
    ['Data dir', `${cloud.dataDir}   (npm start -- --reset starts empty)`],
    ['Dev token', 'npm run token -- --role dispatcher'],
    ['SMS outbox', 'npm run outbox'],
    ['Inbound SMS', 'npm run sms -- --from +16195550123 "When is the truck coming?"'],
  );
  const width = Math.max(...rows.map(([name]) => name.length)) + 3;
  return [
    '',
    `QDN Dispatch is running locally (ready in ${seconds} s)`,
    '',
    ...rows.map(([name, value]) => `  ${name.padEnd(width)}${value}`),
    '',
    '  Try next:  npm run demo      (in another terminal: a QuickDumpNow job from booking to done, with its texts)',
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}

// Ctrl-C is ours from the first moment: one that comes while the cloud is still starting (its gateway
// may already answer health checks) waits for the start, then stops what it started, instead of
// killing the process and leaving DynamoDB Local's JVM behind.
let starting: Promise<LocalCloud> | undefined;
let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  const cloud = await starting?.catch(() => undefined);
  await cloud?.stop();
  console.log('stopped.');
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

console.log('Starting QDN Dispatch locally…');
try {
  starting = startLocalCloud({
    reset: values.reset,
    quiet: values.quiet ?? false,
    log: (line) => console.log(`  · ${line}`),
  });
  const cloud = await starting;
  if (!stopping) {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(readyBanner(cloud, seconds));
    // What a first job needs is started in the background, after the cloud answers: the first start
    // never waits for it, and the first request rarely pays a cold start.
    void cloud.warmUp().then(({ warmed, seconds: warmSeconds }) => {
      console.log(`  · warmed ${warmed.length} functions a first job uses (${warmSeconds.toFixed(1)} s)`);
    });
  }
} catch (error) {
  if (stopping) await new Promise(() => undefined); // shutdown() exits
  if (error instanceof LocalCloudSetupError) {
    console.error(`\nCannot start the local cloud: ${error.message}`);
  } else {
    console.error('\nThe local cloud failed to start:', error);
  }
  process.exit(1);
}
