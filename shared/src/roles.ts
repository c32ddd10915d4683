// Staff roles on their own (no middy, no logger) so domain code can name them: a rule about who may
// do what is business logic; checking the caller's token is http.ts's job.

/** Staff roles: the Cognito groups `dispatcher`, `admin`, `driver` (claim `cognito:groups`). */
export type Role = 'dispatcher' | 'admin' | 'driver';
const ROLES: readonly Role[] = ['dispatcher', 'admin', 'driver'];

/**
 * `cognito:groups` reaches the handler differently depending on the path: an array from a decoded
 * token, or the HTTP API's flattened string form `[dispatcher admin]`. Accept both.
 */
export function rolesFromClaim(claim: unknown): Role[] {
  const names = Array.isArray(claim)
    ? claim.map(String)
    : typeof claim === 'string'
      ? claim
          .replace(/^\[|\]$/g, '')
          .split(/[\s,]+/)
          .filter(Boolean)
      : [];
  return ROLES.filter((role) => names.includes(role));
}
