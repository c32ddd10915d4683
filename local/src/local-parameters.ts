import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STAGE_PARAMETERS, type StageParameter, stageParameterName } from '@qdn/shared/stage-parameters';
import { exportJWK, generateKeyPair } from 'jose';
import type { LocalParameter } from './fakes/ssm.ts';
import { LOCAL_SECRETS } from './local-secrets.ts';

/**
 * The SSM parameters a stage needs (STAGE_PARAMETERS in @qdn/shared, the list `npm run secrets` and the
 * deploy preflight use), with local values: the brand catalog (the repo's local configuration), the
 * tracking-grant signing key pair and crew-link secret (made once per data dir, never committed) and the
 * credentials the local fakes accept. A parameter added to the list without a local value here is an
 * error at start, so the local cloud and AWS cannot drift apart.
 */
export async function localParameters(options: {
  repoRoot: string;
  dataDir: string;
  stage: string;
  /** The list to follow (the real one; a test passes another to see a drift refused). */
  catalog?: readonly StageParameter[];
}): Promise<Record<string, LocalParameter>> {
  const catalog = options.catalog ?? STAGE_PARAMETERS;
  const keyFile = join(options.dataDir, 'identity', 'tracking-grant-key.json');
  if (!existsSync(keyFile)) {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    mkdirSync(join(options.dataDir, 'identity'), { recursive: true });
    writeFileSync(
      keyFile,
      JSON.stringify({ privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey) }),
      { mode: 0o600 },
    );
  }
  const keys = JSON.parse(readFileSync(keyFile, 'utf8')) as { privateJwk: object; publicJwk: object };
  const secretsFile = join(options.dataDir, 'identity', 'service-secrets.json');
  const stored = existsSync(secretsFile)
    ? (JSON.parse(readFileSync(secretsFile, 'utf8')) as Partial<Record<string, string>>)
    : {};
  // A data dir from before a secret existed gets it added; the ones it has are kept.
  const secrets = {
    crewLinkSecret: stored.crewLinkSecret ?? randomBytes(32).toString('base64url'),
    trackingLinkSecret: stored.trackingLinkSecret ?? randomBytes(32).toString('base64url'),
  };
  if (JSON.stringify(secrets) !== JSON.stringify(stored)) {
    mkdirSync(join(options.dataDir, 'identity'), { recursive: true });
    writeFileSync(secretsFile, JSON.stringify(secrets), { mode: 0o600 });
  }
  const localValues: Record<string, string> = {
    brands: readFileSync(join(options.repoRoot, 'shared/config/brands.local.json'), 'utf8'),
    'tracking-grant-private-jwk': JSON.stringify(keys.privateJwk),
    'tracking-grant-public-jwk': JSON.stringify(keys.publicJwk),
    // Service secrets, as the fakes expect them.
    'twilio-api-key': JSON.stringify({
      accountSid: LOCAL_SECRETS.twilioAccountSid,
      apiKeySid: LOCAL_SECRETS.twilioApiKeySid,
      apiKeySecret: LOCAL_SECRETS.twilioApiKeySecret,
    }),
    'twilio-auth-token': LOCAL_SECRETS.twilioAuthToken,
    'scc-service-key': LOCAL_SECRETS.sccServiceKey,
    'calendar-dashboard-token': LOCAL_SECRETS.calendarDashboardToken,
    'stripe-secret-key': LOCAL_SECRETS.stripeSecretKey,
    'stripe-webhook-secret': LOCAL_SECRETS.stripeWebhookSecret,
    // Random per data dir, like the grant key: crew magic links are derived from it.
    'crew-link-secret': secrets.crewLinkSecret,
    // Customers' tracking links are derived from it (random per data dir too).
    'tracking-link-secret': secrets.trackingLinkSecret,
    // Locally alarms go to the SNS spy (GET /_local/sns/messages); nobody is emailed.
    'ops-alarm-email': 'ops@localhost.invalid',
    // Nothing reads it locally: the local stage is never deployed, serverless.common.yml's params.local
    // give its API origin and the local cloud points the functions at its own SCC and calendar fakes.
    // Shaped as `npm run secrets` writes it, with the local cloud's origins.
    settings: JSON.stringify({
      apiBaseUrl: 'http://127.0.0.1:4000',
      sccApiBaseUrl: 'http://127.0.0.1:4000/_local/scc',
      consoleBaseUrl: 'http://127.0.0.1:4000',
      photoOrigins: 'http://127.0.0.1:4000',
    }),
  };
  const listed = new Set(catalog.map((parameter) => parameter.name));
  const unlisted = Object.keys(localValues).filter((name) => !listed.has(name));
  const withoutValue = [...listed].filter((name) => !(name in localValues));
  if (unlisted.length > 0 || withoutValue.length > 0)
    throw new Error(
      `Local parameters and STAGE_PARAMETERS (shared/src/stage-parameters.ts) disagree: ` +
        `no local value for [${withoutValue.join(', ')}], not in the list: [${unlisted.join(', ')}]`,
    );
  return Object.fromEntries(
    catalog.map((parameter) => [
      stageParameterName(options.stage, parameter.name),
      { value: localValues[parameter.name]!, type: parameter.type },
    ]),
  );
}
