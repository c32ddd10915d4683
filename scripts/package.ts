// Packages every service's CloudFormation and Lambda bundles offline (no AWS credentials) through
// serverless-compose, in parallel, and prints where the templates are.
//   npm run package                 # stage dev
//   npm run package -- --stage prod
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, serviceNames, templatePath, withOwnTmpdir } from './services.ts';

const { values } = parseArgs({ options: { stage: { type: 'string', default: 'dev' } } });
const stage = values.stage ?? 'dev';
const started = performance.now();

const result = await withOwnTmpdir((env) =>
  spawnSync('osls-compose', ['package', '--stage', stage], {
    cwd: repoRoot,
    stdio: 'inherit',
    // No credentials needed or wanted: packaging must not depend on an AWS account.
    env: { ...env, AWS_SDK_LOAD_CONFIG: '0', SLS_TELEMETRY_DISABLED: '1' },
  }),
);
if (result.status !== 0) process.exit(result.status ?? 1);

const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`\nPackaged ${serviceNames().length} services for stage ${stage} in ${seconds} s. Templates:`);
for (const service of serviceNames()) {
  const path = templatePath(service);
  if (!existsSync(path)) {
    console.error(`  ${service}: template missing at ${relative(repoRoot, path)}`);
    process.exit(1);
  }
  console.log(`  ${service.padEnd(14)} ${relative(repoRoot, path)}`);
}
