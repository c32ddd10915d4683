import { getParameter } from '@aws-lambda-powertools/parameters/ssm';
import { importJWK, type JWK, jwtVerify, SignJWT } from 'jose';
import { UnauthorizedError } from './errors.ts';

/**
 * The tracking grant: what the customer's tracking page shows the media and notifications services
 * to see one job's photos and messages — an ES256 JWT signed by the jobs service (`sub` the jobId,
 * `aud` qdn-track, 15 minutes). Services verify it with the jobs service's public key alone, so no
 * service reads another's data to check a customer.
 */
export const TRACKING_GRANT_AUDIENCE = 'qdn-track';
export const TRACKING_GRANT_ISSUER = 'qdn-jobs';
const GRANT_SECONDS = 15 * 60;

async function keyFromParameter(parameterName: string | undefined, purpose: string) {
  if (!parameterName) throw new Error(`Configuration error: ${purpose} is not set`);
  const jwk = await getParameter<JWK>(parameterName, { transform: 'json', decrypt: true, maxAge: 300 });
  if (!jwk) throw new Error(`Configuration error: SSM parameter ${parameterName} is empty`);
  return importJWK(jwk, 'ES256');
}

/** Signs a grant for one job (jobs service only; the private key's parameter is TRACKING_GRANT_PRIVATE_KEY_PARAMETER). */
export async function signTrackingGrant(
  jobId: string,
  now: Date = new Date(),
): Promise<{ grant: string; expiresAt: string }> {
  const key = await keyFromParameter(
    process.env.TRACKING_GRANT_PRIVATE_KEY_PARAMETER,
    'TRACKING_GRANT_PRIVATE_KEY_PARAMETER',
  );
  const issuedAt = Math.floor(now.getTime() / 1000);
  const grant = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer(TRACKING_GRANT_ISSUER)
    .setAudience(TRACKING_GRANT_AUDIENCE)
    .setSubject(jobId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + GRANT_SECONDS)
    .sign(key);
  return { grant, expiresAt: new Date((issuedAt + GRANT_SECONDS) * 1000).toISOString() };
}

/**
 * True only for a grant the jobs service signed, not expired, for exactly this job. Everything else —
 * forged, expired, another job's, malformed — is false, and callers answer 401 without saying why.
 */
export async function verifyTrackingGrant(grant: string, jobId: string): Promise<boolean> {
  const key = await keyFromParameter(
    process.env.TRACKING_GRANT_PUBLIC_KEY_PARAMETER,
    'TRACKING_GRANT_PUBLIC_KEY_PARAMETER',
  );
  try {
    const { payload } = await jwtVerify(grant, key, {
      algorithms: ['ES256'],
      audience: TRACKING_GRANT_AUDIENCE,
      issuer: TRACKING_GRANT_ISSUER,
      subject: jobId,
      requiredClaims: ['exp', 'iat', 'sub'],
    });
    return payload.sub === jobId;
  } catch {
    return false;
  }
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

/**
 * For the customer's routes (photos, messages): only the tracking grant the jobs service signed for this
 * very job (`Authorization: Bearer <grant>`). A missing, malformed, forged, expired or other job's grant
 * all get the same bare 401, so the answer says nothing about which it was.
 */
export async function requireTrackingGrant(
  headers: Record<string, string | undefined>,
  jobId: string,
): Promise<void> {
  const grant = BEARER.exec(headers.authorization ?? '')?.[1];
  if (!grant || grant.length > 4096 || !(await verifyTrackingGrant(grant, jobId))) {
    throw new UnauthorizedError();
  }
}
