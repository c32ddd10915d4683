import { UnauthorizedError, verifyTrackingGrant } from '@qdn/shared';

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

/**
 * The customer's routes accept only the tracking grant the jobs service signed for this very job
 * (`Authorization: Bearer <grant>`). A missing, malformed, forged, expired or other job's grant all get
 * the same bare 401, so the answer says nothing about which it was.
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
