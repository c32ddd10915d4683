// The local stand-in for the staff Cognito user pool: one RSA key pair, kept on disk so tokens issued before
// a restart still verify after it, and tokens shaped like Cognito's so app code reads the same claims.

import { randomBytes, randomUUID } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JSONWebKeySet, JWK } from 'jose';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';

/** The staff roles, as Cognito groups (ARCHITECTURE.md §5). */
export type StaffGroup = 'dispatcher' | 'admin' | 'driver';

export interface LocalIdentityProviderOptions {
  /** Where the signing key is kept (created on first use); survives restarts of the local cloud. */
  dir: string;
  /** The `iss` of every token, e.g. `https://cognito-idp.us-west-2.amazonaws.com/us-west-2_local`. */
  issuer: string;
  /** The app client id: `aud` of ID tokens, `client_id` of access tokens (e.g. `local-dashboard`). */
  audience: string;
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
}

export interface IssueTokenInput {
  sub: string;
  email?: string;
  groups: readonly StaffGroup[];
  /**
   * The crew member this staff user is (the user pool's custom attribute `crewId`, claim `custom:crewId`):
   * a driver acts on the jobs whose `crewIds` hold it.
   */
  crewId?: string;
  /** Default 3600, Cognito's default token validity. */
  expiresInSeconds?: number;
  /** `id` (default) carries `aud`, `email`, `cognito:username`; `access` carries `client_id`, `scope`, `username`. */
  tokenUse?: 'id' | 'access';
  /** The user name; Cognito pools that sign in by email use the sub. Default: `sub`. */
  username?: string;
  /** When the token was issued (default now); lets tests mint expired or not-yet-valid tokens. */
  issuedAt?: Date;
  /** Added last, so a test can also override a standard claim (e.g. `aud`). */
  extraClaims?: Record<string, unknown>;
}

/** The local identity provider the gateway's JWT authorizer trusts. */
export interface LocalIdentityProvider {
  readonly issuer: string;
  readonly audience: string;
  /** The `kid` of the signing key (its JWK thumbprint). */
  readonly keyId: string;
  /** The public key set, as Cognito serves it at `<issuer>/.well-known/jwks.json`. */
  jwks(): JSONWebKeySet;
  /** A signed RS256 token with Cognito's claims. */
  issueToken(input: IssueTokenInput): Promise<string>;
}

/** The algorithm of the key and tokens; HTTP API JWT authorizers accept only RSA-based algorithms. */
export const SIGNING_ALGORITHM = 'RS256';
const KEY_FILE = 'jwt-signing-key.json';
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;

/**
 * Loads the signing key from `dir` (creating it on first use) and returns a provider that issues Cognito-
 * shaped ID and access tokens for staff users.
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
 */
export async function createLocalIdentityProvider(
  options: LocalIdentityProviderOptions,
): Promise<LocalIdentityProvider> {
  const privateJwk = await loadOrCreateSigningKey(options.dir);
  const privateKey = await importJWK(privateJwk, SIGNING_ALGORITHM);
  const publicJwk = publicPartOf(privateJwk);
  const keyId = privateJwk.kid!;
  const now = options.now ?? Date.now;
  return {
    issuer: options.issuer,
    audience: options.audience,
    keyId,
    jwks: function jwks() {
      return { keys: [{ ...publicJwk }] };
    },
    issueToken: async function issueToken(input) {
      const claims = cognitoClaims(options, input, Math.floor((input.issuedAt?.getTime() ?? now()) / 1000));
      return new SignJWT(claims).setProtectedHeader({ kid: keyId, alg: SIGNING_ALGORITHM }).sign(privateKey);
    },
  };
}

function cognitoClaims(
  options: LocalIdentityProviderOptions,
  input: IssueTokenInput,
  issuedAt: number,
): Record<string, unknown> {
  const tokenUse = input.tokenUse ?? 'id';
  const username = input.username ?? input.sub;
  const common = {
    sub: input.sub,
    ...(input.groups.length > 0 ? { 'cognito:groups': [...input.groups] } : {}),
    ...(input.crewId === undefined ? {} : { 'custom:crewId': input.crewId }),
    iss: options.issuer,
    origin_jti: randomUUID(),
    event_id: randomUUID(),
    token_use: tokenUse,
    auth_time: issuedAt,
    exp: issuedAt + (input.expiresInSeconds ?? 3600),
    iat: issuedAt,
    jti: randomUUID(),
  };
  const specific =
    tokenUse === 'id'
      ? {
          aud: options.audience,
          'cognito:username': username,
          ...(input.email === undefined ? {} : { email: input.email, email_verified: true }),
        }
      : { client_id: options.audience, scope: 'aws.cognito.signin.user.admin', username };
  return { ...common, ...specific, ...input.extraClaims };
}

async function loadOrCreateSigningKey(dir: string): Promise<JWK> {
  const file = join(dir, KEY_FILE);
  const existing = await readKeyFile(file);
  if (existing) return existing;
  await mkdir(dir, { recursive: true });
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  const complete: JWK = {
    ...jwk,
    kid: await calculateJwkThumbprint(jwk),
    alg: SIGNING_ALGORITHM,
    use: 'sig',
  };
  // Written aside then hard-linked into place: two processes starting at once both end up with the key
  // that won the link, never with a half-written file.
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, `${JSON.stringify(complete, null, 2)}\n`, { mode: 0o600 });
  try {
    await link(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temporary);
  }
  const stored = await readKeyFile(file);
  if (!stored) throw new Error(`Could not create the local JWT signing key at ${file}`);
  return stored;
}

async function readKeyFile(file: string): Promise<JWK | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let jwk: JWK;
  try {
    jwk = JSON.parse(text) as JWK;
  } catch {
    throw new Error(`The local JWT signing key at ${file} is not JSON; delete it to create a new key`);
  }
  if (jwk.kty !== 'RSA' || typeof jwk.d !== 'string' || typeof jwk.kid !== 'string') {
    throw new Error(`The local JWT signing key at ${file} is not a private RSA JWK with a kid; delete it`);
  }
  return jwk;
}

function publicPartOf(jwk: JWK): JWK {
  const copy: Record<string, unknown> = { ...jwk };
  for (const member of PRIVATE_MEMBERS) delete copy[member];
  return copy as JWK;
}
