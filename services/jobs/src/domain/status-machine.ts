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

/**
 * A mis-tap can be taken back one step, by a dispatcher, with a reason. A cancellation goes back to the
 * status it ended (see correctionTarget), so it has no fixed entry here.
 */
export const CORRECTIONS: Readonly<Partial<Record<JobStatus, JobStatus>>> = {
  en_route: 'scheduled',
  arrived: 'en_route',
  complete: 'arrived',
};

/** What drivers may move a job to from their phones. */
export const DRIVER_TARGETS: readonly JobStatus[] = ['en_route', 'arrived', 'complete'];

/** The statuses whose customer text waits out the brand's undo window (the customer hears nothing of an undo). */
export const TERMINAL: readonly JobStatus[] = ['complete', 'cancelled'];

/** Where a correction of `from` goes: one step back, or for a cancellation the status it ended. */
export function correctionTarget(
  from: JobStatus,
  statusBefore: JobStatus | undefined,
): JobStatus | undefined {
  return from === 'cancelled' ? statusBefore : CORRECTIONS[from];
}

export type StatusDecision =
  | { kind: 'move'; correction: boolean; undo: boolean }
  | { kind: 'same' }
  | { kind: 'refused'; reason: 'not-allowed' | 'needs-reason' | 'role'; allowed: JobStatus[] };

export interface StatusChangeContext {
  role: 'dispatcher' | 'admin' | 'driver';
  reason?: string | undefined;
  /** The status before the job's last change (where an undone cancellation goes back to). */
  statusBefore?: JobStatus | undefined;
  /** The job's last change was to complete or cancelled and the brand's undo window is still open. */
  withinUndoWindow?: boolean | undefined;
}

/**
 * Decides a requested status change. Posting the current status is `same` (a double tap texts nobody
 * twice); a one-step correction needs a dispatcher or admin and a reason — except a terminal status
 * taken back inside the brand's undo window: that is an undo, which needs no reason (its text was never
 * sent), and a driver may undo their own mis-tapped "complete".
 */
export function decideStatusChange(
  from: JobStatus,
  to: JobStatus,
  context: StatusChangeContext,
): StatusDecision {
  const back = correctionTarget(from, context.statusBefore);
  const undo = context.withinUndoWindow === true && TERMINAL.includes(from);
  const driverMayGoBack = undo && from === 'complete';
  const allowed = [
    ...FORWARD_MOVES[from],
    ...(back && (context.role !== 'driver' || driverMayGoBack) ? [back] : []),
  ];
  if (from === to) return { kind: 'same' };
  if (context.role === 'driver' && !DRIVER_TARGETS.includes(to)) {
    return {
      kind: 'refused',
      reason: 'role',
      allowed: allowed.filter((status) => DRIVER_TARGETS.includes(status)),
    };
  }
  if (FORWARD_MOVES[from].includes(to)) return { kind: 'move', correction: false, undo: false };
  if (to === back && (context.role !== 'driver' || driverMayGoBack)) {
    if (undo) return { kind: 'move', correction: true, undo: true };
    return context.reason?.trim()
      ? { kind: 'move', correction: true, undo: false }
      : { kind: 'refused', reason: 'needs-reason', allowed };
  }
  return { kind: 'refused', reason: 'not-allowed', allowed };
}

/**
 * Until when a job's last change may be undone: its change to complete or cancelled, plus the brand's
 * window. Undefined when the last change is not terminal, or the brand has no window.
 */
export function undoableUntil(
  job: { status: JobStatus; statusHistory?: readonly { status: JobStatus; at: string }[] | undefined },
  undoWindowSeconds: number,
): Date | undefined {
  const last = job.statusHistory?.at(-1);
  if (!TERMINAL.includes(job.status) || last?.status !== job.status || undoWindowSeconds <= 0)
    return undefined;
  return new Date(Date.parse(last.at) + undoWindowSeconds * 1000);
}

/**
 * A card payment goes back when a job is cancelled (the refunds consumer, within seconds): a job whose
 * refund has begun (marked on the job before Stripe is asked) or gone through stays cancelled — the money
 * is going back, so the customer books and pays again (changeStatus refuses any move, and the console
 * offers none). Which of the two, or undefined.
 */
export function refundKeepingItCancelled(job: {
  status: JobStatus;
  payment?: { status: string; refundStartedAt?: string };
}): 'refunding' | 'refunded' | undefined {
  if (job.status !== 'cancelled') return undefined;
  if (job.payment?.status === 'refunded') return 'refunded';
  if (job.payment?.status === 'paid' && job.payment.refundStartedAt) return 'refunding';
  return undefined;
}
