import { importJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { UnauthorizedError } from './errors.ts';
import { secretJsonParameter } from './ssm-secret.ts';

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
  return importJWK((await secretJsonParameter(parameterName)) as JWK, 'ES256');
}

/**
 * Signs a grant for one job (jobs service only; the private key's parameter is
 * TRACKING_GRANT_PRIVATE_KEY_PARAMETER). `linkId` is the tracking link it was issued through (claim
 * `lid`): a service that knows the job's current link refuses a grant from a rotated one.
 */
export async function signTrackingGrant(
  jobId: string,
  now: Date = new Date(),
  linkId?: string,
): Promise<{ grant: string; expiresAt: string }> {
  const key = await keyFromParameter(
    process.env.TRACKING_GRANT_PRIVATE_KEY_PARAMETER,
    'TRACKING_GRANT_PRIVATE_KEY_PARAMETER',
  );
  const issuedAt = Math.floor(now.getTime() / 1000);
  const grant = await new SignJWT(linkId ? { lid: linkId } : {})
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
 * What a service knows of a job's tracking link (from TrackingLinkIssued and the job events): its
 * current link id, or undefined when it has not heard of one yet.
 */
export type CurrentTrackingLink = () => Promise<string | undefined>;

/**
 * True only for a grant the jobs service signed, not expired, for exactly this job, and — when the
 * service knows the job's current link — issued through that link (a rotation ends earlier grants).
 * Everything else — forged, expired, another job's, a rotated link's, malformed — is false, and callers
 * answer 401 without saying why.
 */
export async function verifyTrackingGrant(
  grant: string,
  jobId: string,
  currentLink?: CurrentTrackingLink,
): Promise<boolean> {
  const key = await keyFromParameter(
    process.env.TRACKING_GRANT_PUBLIC_KEY_PARAMETER,
    'TRACKING_GRANT_PUBLIC_KEY_PARAMETER',
  );
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(grant, key, {
      algorithms: ['ES256'],
      audience: TRACKING_GRANT_AUDIENCE,
      issuer: TRACKING_GRANT_ISSUER,
      subject: jobId,
      requiredClaims: ['exp', 'iat', 'sub'],
    }));
  } catch {
    return false;
  }
  if (payload.sub !== jobId) return false;
  // A grant from before links were named in grants simply expires (15 minutes); a link the service has
  // not heard of yet (its events still on the way) is not held against a fresh grant.
  if (!currentLink || typeof payload.lid !== 'string') return true;
  const current = await currentLink();
  return current === undefined || current === payload.lid;
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
  currentLink?: CurrentTrackingLink,
): Promise<void> {
  const grant = BEARER.exec(headers.authorization ?? '')?.[1];
  if (!grant || grant.length > 4096 || !(await verifyTrackingGrant(grant, jobId, currentLink))) {
    throw new UnauthorizedError();
  }
}
