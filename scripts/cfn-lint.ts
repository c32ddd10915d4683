// `npm run lint:cfn` (and a step of `npm test`, after packaging): cfn-lint over every packaged
// CloudFormation template. Settings and every ignored check, each with its reason, are in .cfnlintrc.yaml.
// cfn-lint is a Python tool (CI has it); where it is missing this says so plainly and skips.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { repoRoot, serviceNames, templatePath } from './services.ts';

const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
if (probe.error || probe.status !== 0) {
  console.log(
    'cfn-lint is not installed: SKIPPED linting the packaged CloudFormation templates.\n' +
      'Install it with `pip install cfn-lint` (CI has it), then run `npm run lint:cfn`.',
  );
  process.exit(0);
}

const templates = serviceNames().map((service) => relative(repoRoot, templatePath(service)));
const missing = templates.filter((template) => !existsSync(template));
if (missing.length > 0) {
  console.error(`Not packaged (run \`npm run package\` first): ${missing.join(', ')}`);
  process.exit(1);
}
console.log(`${probe.stdout.trim()} over ${templates.length} templates (settings: .cfnlintrc.yaml)`);
const lint = spawnSync('cfn-lint', ['--', ...templates], { cwd: repoRoot, stdio: 'inherit' });
if (lint.status === 0) console.log('cfn-lint: 0 errors, 0 warnings');
process.exit(lint.status ?? 1);
