import type { Brand } from '@qdn/shared/brands';
import type { CrewMessage } from '@qdn/shared/events';
import { type CrewMember, firstName } from './crew-member.ts';
import type { CrewView } from './crew-view.ts';

export type CrewMessageKind = CrewMessage['kind'];

/** CrewMessage.body's limit: two GSM-7 segments. */
export const MAX_CREW_SMS_LENGTH = 320;

/** "Sat, Jul 4" */
export function dayOf(date: string): string {
  return new Intl.DateTimeFormat('en-US', {
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  }).format(Date.parse(`${date}T00:00:00Z`));
}

/** "5:30 pm", "6 pm" */
export function clockOf(time: string): string {
  const [hours = 0, minutes = 0] = time.split(':').map(Number);
  const suffix = hours < 12 ? 'am' : 'pm';
  const hour12 = hours % 12 === 0 ? 12 : hours % 12;
  return minutes === 0 ? `${hour12} ${suffix}` : `${hour12}:${String(minutes).padStart(2, '0')} ${suffix}`;
}

interface Parts {
  brand: Brand;
  name: string;
  role: string;
  charter: string;
  when: string;
  meet: string;
  url: string | undefined;
}

// One line per kind, in the brand's voice (its name up front, its sign-off at the end); plain ASCII so
// the text stays GSM-7. Cancelled and unassigned messages carry no link: it no longer opens.
const TEMPLATES: Record<CrewMessageKind, (p: Parts) => string> = {
  assigned: (p) =>
    `${p.brand.displayName}: Hi ${p.name}, you're ${p.role} for ${p.charter} ${p.when}${p.meet}. Details and checklist: ${p.url} ${p.brand.smsSignOff}`,
  rescheduled: (p) =>
    `${p.brand.displayName}: Hi ${p.name}, ${p.charter} you're crewing has moved to ${p.when}${p.meet}. Details: ${p.url} ${p.brand.smsSignOff}`,
  cancelled: (p) =>
    `${p.brand.displayName}: Hi ${p.name}, ${p.charter} ${p.when} is cancelled. Your crew link no longer works. ${p.brand.smsSignOff}`,
  unassigned: (p) =>
    `${p.brand.displayName}: Hi ${p.name}, you're no longer on the crew for ${p.charter} ${p.when}. Thanks! ${p.brand.smsSignOff}`,
};

/**
 * The ready-to-send SMS for one crew member. Long vessel names or meeting points are dropped rather
 * than the link or the sign-off, so the text always fits MAX_CREW_SMS_LENGTH.
 */
export function crewSmsBody(input: {
  kind: CrewMessageKind;
  brand: Brand;
  member: CrewMember;
  view: CrewView;
  url?: string;
}): string {
  const { kind, brand, member, view, url } = input;
  if ((kind === 'assigned' || kind === 'rescheduled') && !url)
    throw new Error(`A ${kind} message needs a link`);
  const when = `on ${dayOf(view.date)}${view.time && kind !== 'cancelled' ? ` at ${clockOf(view.time)}` : ''}`;
  const full: Parts = {
    brand,
    name: firstName(member.name),
    role: member.role,
    charter: view.vessel ? `the charter aboard ${view.vessel}` : 'the charter',
    when,
    meet:
      view.meetingPoint && kind !== 'cancelled' && kind !== 'unassigned'
        ? `, meet at ${view.meetingPoint}`
        : '',
    url,
  };
  const candidates: Parts[] = [
    full,
    { ...full, meet: '' },
    { ...full, meet: '', charter: 'the charter' },
    { ...full, meet: '', charter: 'the charter', name: full.name.slice(0, 20), role: full.role.slice(0, 20) },
  ];
  for (const parts of candidates) {
    const body = TEMPLATES[kind](parts);
    if (body.length <= MAX_CREW_SMS_LENGTH) return body;
  }
  const minimal = `${brand.displayName.slice(0, 60)}: charter crew update ${when}.${url ? ` ${url}` : ''} ${brand.smsSignOff.slice(0, 40)}`;
  if (minimal.length > MAX_CREW_SMS_LENGTH) throw new Error('The crew link is too long for an SMS');
  return minimal;
}
