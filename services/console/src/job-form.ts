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
}

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
  if (form.address !== before.address) changes.address = { text: form.address };
  if (form.date !== before.date || form.window !== before.window)
    changes.schedule = { date: form.date, ...(form.window ? { window: form.window } : {}) };
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
    changes.private = {
      ...(form.revenueSplit ? { revenueSplit: form.revenueSplit } : {}),
      ...(form.captainFee ? { captainFeeCents: Math.round(Number(form.captainFee) * 100) } : {}),
      ...(form.internalNotes ? { internalNotes: form.internalNotes } : {}),
    };
  }
  return changes;
}
