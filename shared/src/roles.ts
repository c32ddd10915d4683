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

/** What the access rules need of a staff caller (http.ts's Principal is one). */
export interface StaffCaller {
  roles: readonly Role[];
  /** The Cognito custom attribute `crewId` (claim `custom:crewId`): which jobs a driver works. */
  crewId?: string | undefined;
}

/** `custom:crewId` as the authorizer passes it (a string); blank or anything else means none. */
export function crewIdFromClaim(claim: unknown): string | undefined {
  if (typeof claim !== 'string') return undefined;
  const crewId = claim.trim();
  return crewId === '' ? undefined : crewId;
}

/** Whether the caller is a driver and nothing more: the role that sees only their own jobs. */
export function isDriverOnly(principal: StaffCaller | undefined): boolean {
  return !!principal && principal.roles.includes('driver') && !principal.roles.some((r) => r !== 'driver');
}

/** What a staff route needs of a job to decide whether a driver may see it. */
export interface CrewWork {
  crewIds?: readonly string[] | undefined;
  /** First and last day of the work (`YYYY-MM-DD` in the brand's zone); `endDate` for multi-day rentals. */
  date: string;
  endDate?: string | undefined;
}

/**
 * Whether the caller may see and act on a job through a staff route. Dispatchers and admins see every
 * job; a driver only the jobs whose `crewIds` hold their crew id, and only on the days of that work
 * (`today` in the brand's zone). Callers answer a refusal with the same 404 as an unknown job, so a
 * driver cannot tell someone else's job from one that does not exist.
 */
export function staffMayAccess(principal: StaffCaller | undefined, job: CrewWork, today: string): boolean {
  if (!principal) return false;
  if (!isDriverOnly(principal)) return true;
  if (!principal.crewId || !job.crewIds?.includes(principal.crewId)) return false;
  return job.date <= today && today <= (job.endDate ?? job.date);
}
