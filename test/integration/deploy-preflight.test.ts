// `npm run secrets` and the deploy preflight against the local cloud's SSM fake and SNS (fauxqs),
// through the real CLIs: a stage missing parameters stops before CloudFormation is called at all.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createSsmFake, type SsmFake } from '@qdn/local-cloud/fakes/ssm';
import { STAGE_PARAMETERS } from '@qdn/shared/stage-parameters';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { repoRoot } from '../../scripts/services.ts';

const region = 'us-west-2';
let ssm: SsmFake;
let ssmUrl: string;
let fauxqs: FauxqsServer;
let cloudFormation: Server;
let cloudFormationUrl: string;
const cloudFormationCalls: string[] = [];
const outside = mkdtempSync(join(tmpdir(), 'qdn-deploy-'));
const releases = join(outside, 'releases');

function run(script: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'scripts', script), ...args], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        HOME: outside,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_REGION: region,
        AWS_ENDPOINT_URL_SSM: ssmUrl,
        AWS_ENDPOINT_URL_SNS: fauxqs.address,
        AWS_ENDPOINT_URL_S3: fauxqs.address,
        AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormationUrl,
        QDN_RELEASES_DIR: releases,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The local brands, each sending through a Messaging Service as an AWS stage requires. */
function registeredBrands(): string {
  const catalog = JSON.parse(readFileSync(join(repoRoot, 'shared/config/brands.local.json'), 'utf8'));
  catalog.brands = catalog.brands.map((brand: Record<string, unknown>, index: number) => ({
    ...brand,
    twilio: { messagingServiceSid: `MG${String(index + 1).padStart(32, '0')}` },
  }));
  return JSON.stringify(catalog);
}

const operatorEnv = () => {
  const brandsFile = join(outside, 'brands.json');
  writeFileSync(brandsFile, registeredBrands());
  return {
    QDN_BRANDS_FILE: brandsFile,
    TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
    TWILIO_API_KEY_SID: `SK${'b'.repeat(32)}`,
    TWILIO_API_KEY_SECRET: 'tw-secret-7c1d22',
    TWILIO_AUTH_TOKEN: 'tw-auth-9f3e51',
    SCC_SERVICE_KEY: 'scc-key',
    CALENDAR_DASHBOARD_TOKEN: 'calendar-token',
    STRIPE_SECRET_KEY: 'sk_test_qa',
    STRIPE_WEBHOOK_SECRET: 'whsec_qa',
    QDN_OPS_ALARM_EMAIL: 'owner@example.com',
    // The stage's settings (/qdn/<stage>/settings): what its templates are packaged with.
    QDN_API_BASE_URL: 'https://api-qa.example.com',
    QDN_SCC_API_BASE_URL: 'https://scc-qa.example.com',
    QDN_CONSOLE_BASE_URL: 'https://dashboard-qa.example.com',
    QDN_PHOTO_ORIGINS: 'https://dashboard-qa.example.com,https://qa.example.com',
    QDN_SITE_DOMAIN_NAMES: 'track-qa.example.com',
    QDN_SITE_CERTIFICATE_ARN:
      'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d',
  };
};

beforeAll(async () => {
  ssm = createSsmFake();
  ssmUrl = (await ssm.listen(0)).url;
  fauxqs = await startFauxqs({ port: 0, logger: false, defaultRegion: region });
  // Stands in for CloudFormation: any call at all is recorded (the preflight must make none).
  cloudFormation = createServer((request, response) => {
    cloudFormationCalls.push(`${request.method} ${request.url}`);
    response.writeHead(500).end();
  });
  await new Promise<void>((resolve) => cloudFormation.listen(0, '127.0.0.1', resolve));
  cloudFormationUrl = `http://127.0.0.1:${(cloudFormation.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await ssm.close();
  await fauxqs.stop();
  cloudFormation.closeAllConnections();
  await new Promise((resolve) => cloudFormation.close(resolve));
  rmSync(outside, { recursive: true, force: true });
});

describe('npm run deploy on a stage without its parameters', () => {
  it('lists every missing parameter and stops before CloudFormation (nothing packaged)', async () => {
    const result = await run('deploy.ts', ['--stage', 'staging']);
    expect(result.code).toBe(1);
    for (const parameter of STAGE_PARAMETERS)
      expect(result.stderr).toContain(`missing SSM parameter /qdn/staging/${parameter.name} `);
    expect(result.stderr).toContain('stopped before CloudFormation, nothing was deployed');
    expect(result.stderr).toContain('npm run secrets -- --stage staging');
    expect(cloudFormationCalls).toEqual([]);
    expect(existsSync(join(releases, 'staging'))).toBe(false);
  });

  it('names only what is still missing', async () => {
    ssm.set('/qdn/staging/brands', { value: '{}' });
    ssm.set('/qdn/staging/scc-service-key', { value: 'k', type: 'SecureString' });
    const result = await run('deploy.ts', ['--stage', 'staging']);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toContain('/qdn/staging/brands ');
    expect(result.stderr).not.toContain('/qdn/staging/scc-service-key ');
    expect(result.stderr).toContain('missing SSM parameter /qdn/staging/twilio-auth-token ');
    expect(cloudFormationCalls).toEqual([]);
  });
});

describe('npm run secrets', () => {
  it('refuses a value from a file inside the repository and writes nothing', async () => {
    const result = await run('secrets.ts', ['--stage', 'qa'], {
      ...operatorEnv(),
      QDN_BRANDS_FILE: join(repoRoot, 'shared/config/brands.local.json'),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is inside the repository');
    expect(STAGE_PARAMETERS.some((parameter) => ssm.get(`/qdn/qa/${parameter.name}`))).toBe(false);
  });

  it('refuses an invalid brand catalog and a malformed Twilio SID before writing anything', async () => {
    const badBrands = join(outside, 'bad-brands.json');
    writeFileSync(badBrands, '{"brands": []}');
    const brands = await run('secrets.ts', ['--stage', 'qa'], {
      ...operatorEnv(),
      QDN_BRANDS_FILE: badBrands,
    });
    expect(brands.code).toBe(1);
    expect(brands.stderr).toContain('brands: not a valid brand catalog');
    // The local catalog's brands that send from plain numbers are refused for an AWS stage
    const plainBrands = join(outside, 'plain-brands.json');
    copyFileSync(join(repoRoot, 'shared/config/brands.local.json'), plainBrands);
    const plain = await run('secrets.ts', ['--stage', 'qa'], {
      ...operatorEnv(),
      QDN_BRANDS_FILE: plainBrands,
    });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('Brands jada, queen-of-san-diego send from a plain number');
    const sid = await run('secrets.ts', ['--stage', 'qa'], { ...operatorEnv(), TWILIO_ACCOUNT_SID: 'AC123' });
    expect(sid.code).toBe(1);
    expect(sid.stderr).toContain('TWILIO_ACCOUNT_SID does not look like');
    expect(ssm.get('/qdn/qa/crew-link-secret')).toBeUndefined();
  });

  it('refuses settings that are not https, a placeholder host, or a domain without its certificate', async () => {
    for (const [env, message] of [
      [{ QDN_SCC_API_BASE_URL: 'http://scc.example.com' }, 'sccApiBaseUrl'],
      [{ QDN_SCC_API_BASE_URL: 'https://scc.invalid' }, 'sccApiBaseUrl'],
      [{ QDN_PHOTO_ORIGINS: 'https://a.example.com,ftp://b.example.com' }, 'photoOrigins'],
      [{ QDN_SITE_CERTIFICATE_ARN: '' }, 'siteCertificateArn'],
    ] as const) {
      const result = await run('secrets.ts', ['--stage', 'qa'], { ...operatorEnv(), ...env });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('settings: ');
      expect(result.stderr).toContain(message);
      expect(ssm.get('/qdn/qa/settings')).toBeUndefined();
      expect(ssm.get('/qdn/qa/crew-link-secret')).toBeUndefined();
    }
  });

  it('without a terminal or the variables, names the variables to set and writes nothing', async () => {
    const result = await run('secrets.ts', ['--stage', 'qa']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('TWILIO_AUTH_TOKEN');
    expect(result.stderr).toContain('Nothing was written');
    expect(ssm.get('/qdn/qa/tracking-grant-public-jwk')).toBeUndefined();
  });

  it('creates every parameter from the environment, generating keys and link secrets', async () => {
    const result = await run('secrets.ts', ['--stage', 'qa'], operatorEnv());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const parameter of STAGE_PARAMETERS)
      expect(ssm.get(`/qdn/qa/${parameter.name}`)?.type).toBe(parameter.type);
    expect(JSON.parse(ssm.get('/qdn/qa/twilio-api-key')!.value)).toEqual({
      accountSid: `AC${'a'.repeat(32)}`,
      apiKeySid: `SK${'b'.repeat(32)}`,
      apiKeySecret: 'tw-secret-7c1d22',
    });
    const privateJwk = JSON.parse(ssm.get('/qdn/qa/tracking-grant-private-jwk')!.value);
    const publicJwk = JSON.parse(ssm.get('/qdn/qa/tracking-grant-public-jwk')!.value);
    expect(privateJwk).toMatchObject({ kty: 'EC', crv: 'P-256', x: publicJwk.x, y: publicJwk.y });
    expect(privateJwk.d).toBeDefined();
    expect(publicJwk.d).toBeUndefined();
    expect(Buffer.from(ssm.get('/qdn/qa/crew-link-secret')!.value, 'base64url')).toHaveLength(32);
    // The settings: one JSON of what was given (the optional ones left out are not written).
    expect(JSON.parse(ssm.get('/qdn/qa/settings')!.value)).toEqual({
      apiBaseUrl: 'https://api-qa.example.com',
      sccApiBaseUrl: 'https://scc-qa.example.com',
      consoleBaseUrl: 'https://dashboard-qa.example.com',
      photoOrigins: 'https://dashboard-qa.example.com,https://qa.example.com',
      siteDomainNames: 'track-qa.example.com',
      siteCertificateArn:
        'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d',
    });
    // Secrets never reach the output.
    expect(result.stdout).not.toContain('tw-secret-7c1d22');
    expect(result.stdout).not.toContain('tw-auth-9f3e51');
  });

  it('keeps generated secrets on a second run, updates what the environment gives, rotates on request', async () => {
    const linkSecret = ssm.get('/qdn/qa/crew-link-secret')!.value;
    const grantKey = ssm.get('/qdn/qa/tracking-grant-private-jwk')!.value;
    const again = await run('secrets.ts', ['--stage', 'qa'], { TWILIO_AUTH_TOKEN: 'new-auth-token' });
    expect(again.code).toBe(0);
    expect(ssm.get('/qdn/qa/twilio-auth-token')!.value).toBe('new-auth-token');
    expect(ssm.get('/qdn/qa/crew-link-secret')!.value).toBe(linkSecret);
    expect(ssm.get('/qdn/qa/tracking-grant-private-jwk')!.value).toBe(grantKey);
    const rotated = await run('secrets.ts', ['--stage', 'qa', '--rotate', 'crew-link-secret']);
    expect(rotated.code).toBe(0);
    expect(ssm.get('/qdn/qa/crew-link-secret')!.value).not.toBe(linkSecret);
    expect(ssm.get('/qdn/qa/tracking-grant-private-jwk')!.value).toBe(grantKey);
  });
  it('changes one field of a JSON parameter alone, keeping the others; a variable set to nothing removes an optional one', async () => {
    // Prepare: qa's settings and Twilio API key as the first run wrote them.
    const settingsBefore = JSON.parse(ssm.get('/qdn/qa/settings')!.value);
    const apiKeyBefore = JSON.parse(ssm.get('/qdn/qa/twilio-api-key')!.value);

    // Act
    const calendar = await run('secrets.ts', ['--stage', 'qa'], {
      QDN_CALENDAR_API_BASE_URL: 'https://calendar-qa.example.com',
      TWILIO_API_KEY_SECRET: 'tw-secret-rolled-41aa',
    });
    const withCalendar = JSON.parse(ssm.get('/qdn/qa/settings')!.value);
    const apiKeyAfter = JSON.parse(ssm.get('/qdn/qa/twilio-api-key')!.value);
    const noDomain = await run('secrets.ts', ['--stage', 'qa'], {
      QDN_SITE_DOMAIN_NAMES: '',
      QDN_SITE_CERTIFICATE_ARN: '',
    });
    const unchanged = await run('secrets.ts', ['--stage', 'qa'], {
      QDN_API_BASE_URL: settingsBefore.apiBaseUrl,
    });

    // Assess
    expect(calendar.stderr).toBe('');
    expect(calendar.stdout).toContain('/qdn/qa/settings (entered)');
    expect(withCalendar).toEqual({
      ...settingsBefore,
      calendarApiBaseUrl: 'https://calendar-qa.example.com',
    });
    expect(apiKeyAfter).toEqual({ ...apiKeyBefore, apiKeySecret: 'tw-secret-rolled-41aa' });
    expect(calendar.stdout).not.toContain('tw-secret-rolled-41aa');
    expect(noDomain.code).toBe(0);
    const { siteDomainNames: _names, siteCertificateArn: _arn, ...withoutDomain } = withCalendar;
    expect(JSON.parse(ssm.get('/qdn/qa/settings')!.value)).toEqual(withoutDomain);
    expect(unchanged.stdout).toContain('/qdn/qa/settings kept');
  });

  it('refuses a change that leaves the settings invalid (a domain without its certificate), and writes nothing', async () => {
    const domainAdded = await run('secrets.ts', ['--stage', 'qa'], {
      QDN_SITE_DOMAIN_NAMES: 'track-qa.example.com',
    });
    expect(domainAdded.code).toBe(1);
    expect(domainAdded.stderr).toContain('siteCertificateArn');
    expect(JSON.parse(ssm.get('/qdn/qa/settings')!.value).siteDomainNames).toBeUndefined();
  });
});

describe("the stage's settings", () => {
  /** Stage uat: everything qa has, with the settings given. */
  const uatWith = (settings: string) => {
    for (const parameter of STAGE_PARAMETERS) {
      const value = ssm.get(`/qdn/qa/${parameter.name}`)!;
      ssm.set(`/qdn/uat/${parameter.name}`, { value: value.value, type: value.type });
    }
    ssm.set('/qdn/uat/settings', { value: settings });
  };

  it('refuses a stage whose settings lack the SCC and API base URLs, naming them, before CloudFormation', async () => {
    uatWith(JSON.stringify({ consoleBaseUrl: 'https://dashboard-uat.example.com' }));
    const result = await run('deploy.ts', ['--stage', 'uat']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('/qdn/uat/settings');
    expect(result.stderr).toContain('sccApiBaseUrl (QDN_SCC_API_BASE_URL)');
    expect(result.stderr).toContain('apiBaseUrl (QDN_API_BASE_URL)');
    expect(result.stderr).toContain('stopped before CloudFormation, nothing was deployed');
    expect(cloudFormationCalls).toEqual([]);
    expect(existsSync(join(releases, 'uat'))).toBe(false);
  });

  it("refuses settings that are not JSON or hold the serverless.yml's placeholder", async () => {
    uatWith('not json');
    const notJson = await run('deploy.ts', ['--stage', 'uat', '--preflight-only']);
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toContain('/qdn/uat/settings is not valid');
    const settings = JSON.parse(ssm.get('/qdn/qa/settings')!.value);
    uatWith(JSON.stringify({ ...settings, sccApiBaseUrl: 'https://scc.invalid' }));
    const placeholder = await run('deploy.ts', ['--stage', 'uat', '--preflight-only']);
    expect(placeholder.code).toBe(1);
    expect(placeholder.stderr).toContain('sccApiBaseUrl');
    uatWith(JSON.stringify({ ...settings, consoleDomainNames: 'dashboard-uat.example.com' }));
    const domainAlone = await run('deploy.ts', ['--stage', 'uat', '--preflight-only']);
    expect(domainAlone.code).toBe(1);
    expect(domainAlone.stderr).toContain('consoleCertificateArn');
    expect(cloudFormationCalls).toEqual([]);
  });
});

describe('the ops topic must reach a person', () => {
  const sns = () =>
    new SNSClient({
      region,
      endpoint: fauxqs.address,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });

  it('passes the first deploy of a stage with every parameter (the stack subscribes ops-alarm-email)', async () => {
    const result = await run('deploy.ts', ['--stage', 'qa', '--preflight-only']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('the ops topic will subscribe owner@example.com');
  });

  it('refuses a stage whose ops topic exists with no subscriber', async () => {
    await sns().send(new CreateTopicCommand({ Name: 'qdn-qa-ops' }));
    const result = await run('deploy.ts', ['--stage', 'qa']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/the ops topic arn:aws:sns:[^ ]+:qdn-qa-ops has no subscriber/);
    expect(cloudFormationCalls).toEqual([]);
    expect(existsSync(join(releases, 'qa'))).toBe(false);
  });

  it('passes once someone is subscribed', async () => {
    const { TopicArn } = await sns().send(new CreateTopicCommand({ Name: 'qdn-qa-ops' }));
    await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'owner@example.com' }));
    const result = await run('deploy.ts', ['--stage', 'qa', '--preflight-only']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Stage qa is ready to deploy.');
  });
});
