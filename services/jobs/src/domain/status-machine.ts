import type { JobStatus } from '@qdn/shared/events';

/** Forward moves a job may make; `complete` and `cancelled` are final. */
export const FORWARD_MOVES: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  requested: ['scheduled', 'cancelled'],
  scheduled: ['en_route', 'cancelled'],
  en_route: ['arrived', 'cancelled'],
  arrived: ['complete', 'cancelled'],
  complete: [],
  cancelled: [],
};

/** A mis-tap can be taken back one step, by a dispatcher, with a reason. */
export const CORRECTIONS: Readonly<Partial<Record<JobStatus, JobStatus>>> = {
  en_route: 'scheduled',
  arrived: 'en_route',
};

/** What drivers may move a job to from their phones. */
const DRIVER_TARGETS: readonly JobStatus[] = ['en_route', 'arrived', 'complete'];

export type StatusDecision =
  | { kind: 'move'; correction: boolean }
  | { kind: 'same' }
  | { kind: 'refused'; reason: 'not-allowed' | 'needs-reason' | 'role'; allowed: JobStatus[] };

/**
 * Decides a requested status change. Posting the current status is `same` (a double tap texts nobody
 * twice); a one-step correction needs a dispatcher or admin and a reason.
 */
export function decideStatusChange(
  from: JobStatus,
  to: JobStatus,
  options: { role: 'dispatcher' | 'admin' | 'driver'; reason?: string | undefined },
): StatusDecision {
  const allowed = [
    ...FORWARD_MOVES[from],
    ...(options.role === 'driver' ? [] : [CORRECTIONS[from]].filter((s) => s !== undefined)),
  ];
  if (from === to) return { kind: 'same' };
  if (options.role === 'driver' && !DRIVER_TARGETS.includes(to)) {
    return {
      kind: 'refused',
      reason: 'role',
      allowed: allowed.filter((status) => DRIVER_TARGETS.includes(status)),
    };
  }
  if (FORWARD_MOVES[from].includes(to)) return { kind: 'move', correction: false };
  if (CORRECTIONS[from] === to && options.role !== 'driver') {
    return options.reason?.trim()
      ? { kind: 'move', correction: true }
      : { kind: 'refused', reason: 'needs-reason', allowed };
  }
  return { kind: 'refused', reason: 'not-allowed', allowed };
}
