// The job drawer's edit form: a job → the form's strings, and the form → the PATCH body with only what
// changed (unit-tested against the jobs API's own UpdateJobInput schema).
import type { Job, UpdateJobInput } from './api.ts';

export interface EditForm {
  name: string;
  phone: string;
  address: string;
  date: string;
  window: string;
  trailerId: string;
  crewIds: string;
  notes: string;
  /** What the crew page and ShipCaptainCrew show; `notes` stay with the office. */
  crewNotes: string;
  price: string;
  revenueSplit: string;
  captainFee: string;
  internalNotes: string;
  /**
   * With a changed number, how its owner agreed to texts (the API's smsConsent.how): asked only then,
   * with no answer chosen for the dispatcher, since the API records what is sent under their name.
   */
  smsConsent: '' | SmsConsentHow;
}

export type SmsConsentHow = NonNullable<UpdateJobInput['smsConsent']>['how'] & string;

/** The answers to "how did the customer agree to texts?", in a dispatcher's words. */
export const SMS_CONSENT_OPTIONS: readonly { how: SmsConsentHow; label: string }[] = [
  { how: 'asked-by-phone', label: 'They asked for texts, on the phone with me' },
  { how: 'texted-us', label: 'They texted us first' },
  { how: 'none', label: 'They did not agree: no texts to this number' },
];

/** The number is new (or added) and nobody has said how its owner agreed to texts: not saved yet. */
export const consentMissing = (base: Job, form: EditForm): boolean =>
  form.phone !== (base.customer.phone ?? '') && form.phone !== '' && !form.smsConsent;

export function formOf(job: Job): EditForm {
  return {
    name: job.customer.name,
    // An imported job may have no number yet: the dispatcher adds it here.
    phone: job.customer.phone ?? '',
    address: job.address.text,
    date: job.schedule.date,
    window: job.schedule.window ?? '',
    trailerId: job.trailerId ?? '',
    crewIds: (job.crewIds ?? []).join(', '),
    notes: job.notes ?? '',
    crewNotes: job.crewNotes ?? '',
    price: job.priceCents === undefined ? '' : (job.priceCents / 100).toFixed(2),
    revenueSplit: job.private?.revenueSplit ?? '',
    captainFee:
      job.private?.captainFeeCents === undefined ? '' : (job.private.captainFeeCents / 100).toFixed(2),
    internalNotes: job.private?.internalNotes ?? '',
    smsConsent: '',
  };
}

/** The PATCH body: only what differs from the version the edit started from. */
export function changesOf(
  base: Job,
  form: EditForm,
  admin: boolean,
): Omit<UpdateJobInput, 'expectedVersion'> {
  const before = formOf(base);
  const changes: Omit<UpdateJobInput, 'expectedVersion'> = {};
  if (form.name !== before.name || form.phone !== before.phone)
    changes.customer = { ...base.customer, name: form.name, phone: form.phone };
  // The API records consent for a new number under the dispatcher's name: only what they chose.
  if (form.phone !== before.phone && form.smsConsent) changes.smsConsent = { how: form.smsConsent };
  if (form.address !== before.address) changes.address = { text: form.address };
  if (form.date !== before.date || form.window !== before.window)
    changes.schedule = rescheduled(base.schedule, form.date, form.window);
  if (form.trailerId !== before.trailerId) changes.trailerId = form.trailerId || null;
  if (form.crewIds !== before.crewIds)
    changes.crewIds = form.crewIds
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
  if (form.notes !== before.notes) changes.notes = form.notes || null;
  if (form.crewNotes !== before.crewNotes) changes.crewNotes = form.crewNotes || null;
  if (form.price !== before.price)
    changes.priceCents = form.price ? Math.round(Number(form.price) * 100) : null;
  if (
    admin &&
    (form.revenueSplit !== before.revenueSplit ||
      form.captainFee !== before.captainFee ||
      form.internalNotes !== before.internalNotes)
  ) {
    // The API merges private fields key by key: only what changed is sent, and an emptied one as null
    // (left out, the old value would stay).
    changes.private = {
      ...(form.revenueSplit !== before.revenueSplit ? { revenueSplit: form.revenueSplit || null } : {}),
      ...(form.captainFee !== before.captainFee
        ? { captainFeeCents: form.captainFee ? Math.round(Number(form.captainFee) * 100) : null }
        : {}),
      ...(form.internalNotes !== before.internalNotes ? { internalNotes: form.internalNotes || null } : {}),
    };
  }
  return changes;
}

/**
 * The job's schedule moved to `date` and `window` (none: keep what it had). The PATCH replaces the
 * whole schedule, so the rest is carried over: a rental's last day moves with its first (the span stays
 * the days the customer booked, and every one of them stays claimed), and a charter keeps its departure
 * time unless a window is chosen instead (a job has one or the other).
 */
export function rescheduled(schedule: Job['schedule'], date: string, window: string): Job['schedule'] {
  const { window: _window, time, endDate, ...rest } = schedule;
  const shift = Date.parse(date) - Date.parse(schedule.date);
  // No date typed (yet): the last day stays, and the API names the date field.
  const lastDay =
    endDate && Number.isFinite(shift)
      ? new Date(Date.parse(endDate) + shift).toISOString().slice(0, 10)
      : endDate;
  return {
    ...rest,
    date,
    ...(window ? { window } : time ? { time } : {}),
    ...(lastDay ? { endDate: lastDay } : {}),
  };
}

/** An edit kept as a draft: the form as the user left it, and the form of the version it started from. */
export interface EditDraft {
  started: EditForm;
  form: EditForm;
}

export const draftOf = (job: Job): EditDraft => ({ started: formOf(job), form: formOf(job) });

/**
 * A draft carried onto a newer version of its job (a draft left open while someone else saved, or a 409
 * on save): what the user changed from the version the draft started from is kept, every other field
 * takes the job's value now. Saved against the newer version, the PATCH then holds the user's changes
 * only, instead of writing back the old values of what the other dispatcher changed.
 */
export function rebase(draft: EditDraft, job: Job): EditDraft {
  const now = formOf(job);
  return { started: now, form: keepTyped(draft, now) };
}

/** `now`, with what the user typed over `started` in `form`. */
function keepTyped<F extends object>(draft: { started: F; form: F }, now: F): F {
  const form = { ...now };
  for (const name of Object.keys(now) as (keyof F)[])
    if (draft.form[name] !== draft.started[name]) form[name] = draft.form[name];
  return form;
}

/** The requests inbox's form: what a web booking is confirmed with, or the reason it is declined. */
export interface ConfirmForm {
  date: string;
  window: string;
  trailerId: string;
  crewIds: string;
  reason: string;
}

/** A confirmation being typed, with the version of the request it started from and that version's form. */
export interface ConfirmDraft {
  version: number;
  started: ConfirmForm;
  form: ConfirmForm;
}

const confirmFormOf = (job: Job): ConfirmForm => ({
  date: job.schedule.date,
  window: job.schedule.window ?? '',
  trailerId: job.trailerId ?? '',
  crewIds: (job.crewIds ?? []).join(', '),
  reason: '',
});

export const confirmDraftOf = (job: Job): ConfirmDraft => ({
  version: job.version,
  started: confirmFormOf(job),
  form: confirmFormOf(job),
});

/**
 * The PATCH that confirms a request as the form has it, against the version the form started from:
 * another dispatcher's change since gets the API's 409 instead of being written over. `job` is the
 * request at that version (its schedule carries what the form doesn't show: a rental's last day).
 */
export function confirmation(job: Job, draft: ConfirmDraft): UpdateJobInput {
  const { form } = draft;
  return {
    expectedVersion: draft.version,
    schedule: rescheduled(job.schedule, form.date, form.window),
    ...(form.trailerId ? { trailerId: form.trailerId } : {}),
    crewIds: form.crewIds
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean),
  };
}

const CONFIRM_FIELDS = {
  date: 'the date',
  window: 'the window',
  trailerId: 'the trailer',
  crewIds: 'the crew',
};

/**
 * A confirmation carried onto a newer version of its request (after a 409): what the user typed is
 * kept, the rest takes the request's values now; and what the other change was, in words.
 */
export function rebaseConfirmation(
  draft: ConfirmDraft,
  job: Job,
): { draft: ConfirmDraft; changed: string[] } {
  const now = confirmFormOf(job);
  const changed = (Object.keys(CONFIRM_FIELDS) as (keyof typeof CONFIRM_FIELDS)[])
    .filter((name) => now[name] !== draft.started[name])
    .map((name) => CONFIRM_FIELDS[name]);
  return { draft: { version: job.version, started: now, form: keepTyped(draft, now) }, changed };
}
