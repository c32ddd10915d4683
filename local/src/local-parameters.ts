import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import type { LocalParameter } from './fakes/ssm.ts';
import { LOCAL_SECRETS } from './local-secrets.ts';

/**
 * The SSM parameters the services read in AWS, with local values: the brand catalog (the repo's local
 * configuration) and the tracking-grant signing key pair (made once per data dir, never committed).
 */
export async function localParameters(options: {
  repoRoot: string;
  dataDir: string;
  stage: string;
}): Promise<Record<string, LocalParameter>> {
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
  if (!existsSync(secretsFile)) {
    writeFileSync(secretsFile, JSON.stringify({ crewLinkSecret: randomBytes(32).toString('base64url') }), {
      mode: 0o600,
    });
  }
  const secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as { crewLinkSecret: string };
  const prefix = `/qdn/${options.stage}`;
  return {
    [`${prefix}/brands`]: {
      value: readFileSync(join(options.repoRoot, 'shared/config/brands.local.json'), 'utf8'),
    },
    [`${prefix}/tracking-grant-private-jwk`]: {
      value: JSON.stringify(keys.privateJwk),
      type: 'SecureString',
    },
    [`${prefix}/tracking-grant-public-jwk`]: { value: JSON.stringify(keys.publicJwk) },
    // Service secrets, as the fakes expect them. In AWS each is a SecureString an operator puts once.
    [`${prefix}/twilio-api-key`]: {
      value: JSON.stringify({
        accountSid: LOCAL_SECRETS.twilioAccountSid,
        apiKeySid: LOCAL_SECRETS.twilioApiKeySid,
        apiKeySecret: LOCAL_SECRETS.twilioApiKeySecret,
      }),
      type: 'SecureString',
    },
    [`${prefix}/twilio-auth-token`]: { value: LOCAL_SECRETS.twilioAuthToken, type: 'SecureString' },
    [`${prefix}/scc-service-key`]: { value: LOCAL_SECRETS.sccServiceKey, type: 'SecureString' },
    [`${prefix}/calendar-dashboard-token`]: {
      value: LOCAL_SECRETS.calendarDashboardToken,
      type: 'SecureString',
    },
    // Random per data dir, like the grant key: crew magic links are derived from it.
    [`${prefix}/crew-link-secret`]: { value: secrets.crewLinkSecret, type: 'SecureString' },
  };
}
