import type { Brand } from '@qdn/shared/brands';
import type { JobOnBus } from '@qdn/shared/events';
import * as z from 'zod';
import { type CharterTimes, charterTimes } from './charter-time.ts';
import { type CrewMember, firstName } from './crew-member.ts';

const hhmm = z.string().regex(/^\d{2}:\d{2}$/);

/**
 * What the crew sees of a charter — in SCC, in their texts and behind their link. An allow-list: a
 * strict object built field by field from the job, so revenue, fees, the price, the dispatcher's notes
 * (`notes`, `private.internalNotes`) and the customer's phone have no field to travel in, and a field
 * added here by mistake fails the parse.
 */
export const CrewView = z.strictObject({
  brandName: z.string().min(1),
  eventName: z.string().min(1),
  date: z.iso.date(),
  time: hhmm.optional(),
  endDate: z.iso.date(),
  endTime: hhmm.optional(),
  timeZone: z.string().min(1),
  meetingPoint: z.string().min(1).optional(),
  vessel: z.string().min(1).optional(),
  guestCount: z.number().int().positive().optional(),
  /**
   * The job's `crewNotes`: what the dispatcher wrote for the crew. The job's `notes` are the
   * dispatcher's own (gate codes, the customer's other number) and are never read here.
   */
  notes: z.string().min(1).optional(),
  crew: z.array(z.strictObject({ firstName: z.string().min(1), role: z.string().min(1) })),
});
export type CrewView = z.infer<typeof CrewView>;

/** The service type's label in the brand's catalog, e.g. "Private sail charter". */
export function serviceLabel(brand: Brand, serviceType: string): string {
  return brand.serviceTypes.find((offer) => offer.serviceType === serviceType)?.label ?? serviceType;
}

/**
 * The crew view of a charter job; `crew` are the assigned members found on the roster, in the job's
 * order. Only the named fields are read from the job.
 */
export function crewViewOf(job: JobOnBus, brand: Brand, crew: readonly CrewMember[]): CrewView {
  const times: CharterTimes = charterTimes(job, brand);
  return CrewView.parse({
    brandName: brand.displayName,
    eventName: `${serviceLabel(brand, job.serviceType)} - ${job.customer.firstName}`,
    date: times.date,
    ...(times.time ? { time: times.time } : {}),
    endDate: times.endDate,
    ...(times.endTime ? { endTime: times.endTime } : {}),
    timeZone: brand.timeZone,
    ...(job.charter
      ? {
          meetingPoint: job.charter.meetingPoint,
          vessel: job.charter.vessel,
          guestCount: job.charter.guestCount,
        }
      : {}),
    ...(job.crewNotes?.trim() ? { notes: job.crewNotes.trim() } : {}),
    crew: crew.map((member) => ({ firstName: firstName(member.name), role: member.role })),
  });
}

/**
 * The event as SCC receives it (`POST /events`, `PUT /events/{id}`): the seed system's fields
 * (eventName, eventDate, eventTime, notes, crewIds) plus the crew view's details. Built from the crew
 * view alone, so it can carry nothing the view does not.
 */
export function sccEventOf(view: CrewView, jobId: string, crewIds: readonly string[]) {
  const details = [
    view.vessel ? `Vessel: ${view.vessel}` : undefined,
    view.meetingPoint ? `Meet at: ${view.meetingPoint}` : undefined,
    view.guestCount ? `Guests: ${view.guestCount}` : undefined,
    view.notes,
  ].filter(Boolean);
  return {
    externalId: jobId,
    eventName: view.eventName,
    eventDate: view.date,
    ...(view.time ? { eventTime: view.time } : {}),
    endDate: view.endDate,
    ...(view.endTime ? { endTime: view.endTime } : {}),
    timeZone: view.timeZone,
    ...(view.vessel ? { vessel: view.vessel } : {}),
    ...(view.meetingPoint ? { meetingPoint: view.meetingPoint } : {}),
    ...(view.guestCount ? { guestCount: view.guestCount } : {}),
    notes: details.join('\n'),
    crewIds: [...crewIds],
    crew: view.crew,
  };
}
export type SccEventBody = ReturnType<typeof sccEventOf>;
