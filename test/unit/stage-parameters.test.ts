import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { localParameters } from '@qdn/local-cloud/local-parameters';
import { STAGE_PARAMETERS, type StageParameter } from '@qdn/shared/stage-parameters';
import { referencedParameters, unlistedParameters } from '../../scripts/deploy/parameter-references.ts';
import { deployOrder } from '../../scripts/deploy/releases.ts';
import { repoRoot, serviceNames } from '../../scripts/services.ts';

const yamls = () => [
  readFileSync(join(repoRoot, 'serverless.common.yml'), 'utf8'),
  ...serviceNames().map((service) =>
    readFileSync(join(repoRoot, 'services', service, 'serverless.yml'), 'utf8'),
  ),
];
const listed = STAGE_PARAMETERS.map((parameter) => parameter.name);
// The local parameters' data dirs hold generated secrets (the dev identity's keys): removed after each test.
const dataDirs: string[] = [];
const temporaryDataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'qdn-params-'));
  dataDirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the stage parameter list (npm run secrets, the deploy preflight, the local SSM fake)', () => {
  it('holds every /qdn/<stage>/ parameter a serverless.yml reads that no stack writes', () => {
    expect(referencedParameters(yamls().join('\n')).length).toBeGreaterThanOrEqual(8);
    expect(unlistedParameters(yamls(), listed)).toEqual([]);
  });

  it('reports a parameter a serverless.yml reads that the list lacks (broken fixture)', () => {
    const fixture = `custom:\n  env:\n    WEBHOOK_SECRET_PARAMETER: /qdn/\${sls:stage}/webhook-secret\n`;
    expect(unlistedParameters([...yamls(), fixture], listed)).toEqual(['webhook-secret']);
    // Written by a stack of its own (like the site's /qdn/<stage>/site): nobody has to set it.
    const written = `${fixture}    Thing:\n      Type: AWS::SSM::Parameter\n      Properties:\n        Name: /qdn/\${sls:stage}/webhook-secret\n`;
    expect(unlistedParameters([...yamls(), written], listed)).toEqual([]);
  });

  it('gives the local cloud a value for exactly the listed parameters', async () => {
    const dataDir = temporaryDataDir();
    const local = await localParameters({ repoRoot, dataDir, stage: 'local' });
    expect(Object.keys(local).sort()).toEqual(listed.map((name) => `/qdn/local/${name}`).sort());
    for (const parameter of STAGE_PARAMETERS)
      expect(local[`/qdn/local/${parameter.name}`]?.type).toBe(parameter.type);
  });

  it('refuses to start the local cloud when the list has a parameter without a local value', async () => {
    const dataDir = temporaryDataDir();
    const extra: StageParameter = {
      name: 'webhook-secret',
      type: 'SecureString',
      description: 'a new secret',
      source: { kind: 'generated', generator: 'random-32-bytes' },
    };
    await expect(
      localParameters({ repoRoot, dataDir, stage: 'local', catalog: [...STAGE_PARAMETERS, extra] }),
    ).rejects.toThrow(/no local value for \[webhook-secret\]/);
  });
});

describe('deploy order from serverless-compose.yml', () => {
  it('deploys every service, each after what it depends on', () => {
    const order = deployOrder(readFileSync(join(repoRoot, 'serverless-compose.yml'), 'utf8'));
    expect([...order].sort()).toEqual(serviceNames());
    expect(order[0]).toBe('jobs');
    expect(order.indexOf('notifications')).toBeGreaterThan(order.indexOf('scc-bridge'));
    // The static stacks (public pages, console) go last: after every API they call.
    expect(order.slice(-2).sort()).toEqual(['console', 'site']);
  });

  it('refuses a cycle and an unknown dependency', () => {
    const cycle = 'services:\n  a:\n    path: a\n    dependsOn: [b]\n  b:\n    path: b\n    dependsOn: [a]\n';
    expect(() => deployOrder(cycle)).toThrow(/cycle/);
    expect(() => deployOrder('services:\n  a:\n    path: a\n    dependsOn: [zz]\n')).toThrow(
      /unknown service zz/,
    );
  });
});
