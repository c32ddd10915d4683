import { createHash } from 'node:crypto';
import type { Brand } from '@qdn/shared/brands';
import type { JobOnBus, JobStatus } from '@qdn/shared/events';
import { charterTimes, crewLinkExpiry } from './charter-time.ts';
import type { CrewMember } from './crew-member.ts';
import type { CrewMessageKind } from './crew-sms.ts';
import { type CrewView, crewViewOf, type SccEventBody, sccEventOf } from './crew-view.ts';
import type { CrewLink, SccState } from './ports.ts';

/** Statuses in which a charter is on: SCC has its event and the crew have live links. */
const ON: readonly JobStatus[] = ['scheduled', 'en_route', 'arrived'];

export type SccCall =
  | { action: 'create'; body: SccEventBody }
  | { action: 'update'; sccEventId: string; body: SccEventBody }
  | { action: 'delete'; sccEventId: string };

/** A crew member who keeps (or gets) a link; `kind` is what to text them, if anything. */
export interface CrewAssignment {
  member: CrewMember;
  /** Their current link if it still works; otherwise a new one is minted. */
  link: CrewLink | undefined;
  kind: Extract<CrewMessageKind, 'assigned' | 'rescheduled'> | undefined;
}

/** A live link that stops working: the member was taken off the crew, or the charter is cancelled. */
export interface CrewRelease {
  member: CrewMember | undefined;
  link: CrewLink;
  kind: Extract<CrewMessageKind, 'unassigned' | 'cancelled'> | undefined;
}

export interface CharterPlan {
  view: CrewView;
  scheduleKey: string;
  linkExpiresAt: string;
  sccBody: SccEventBody;
  sccBodyHash: string;
  scc: SccCall | undefined;
  assignments: CrewAssignment[];
  releases: CrewRelease[];
  unavailableCrewIds: string[];
}

export function isLive(link: CrewLink | undefined, now: Date): link is CrewLink {
  return link !== undefined && !link.revokedAt && Date.parse(link.expiresAt) > now.getTime();
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url');
}

/**
 * What one job version means for SCC and the crew, given what the bridge recorded before. Pure: the
 * caller performs the calls. Only changes the crew can see count — a new price or internal note gives
 * an identical crew view, hence no SCC call and no text.
 *
 * - on (scheduled, en route, arrived): SCC event created or updated when the crew view changed; every
 *   assigned, active roster member gets a link (kept if still live) and is texted when newly assigned
 *   or when the date or time moved; members taken off lose their link and are told;
 * - cancelled: SCC event deleted, every live link revoked, everyone who had been told is told;
 * - complete: SCC kept up to date, links left to expire; requested (an unconfirmed booking): nothing yet.
 */
export function planCharter(input: {
  job: JobOnBus;
  brand: Brand;
  scc: SccState;
  links: readonly CrewLink[];
  roster: ReadonlyMap<string, CrewMember>;
  now: Date;
}): CharterPlan {
  const { job, brand, scc: recorded, roster, now } = input;
  const crewIds = [...new Set(job.crewIds)];
  const crew = crewIds.map((crewId) => roster.get(crewId)).filter((member) => member?.active) as CrewMember[];
  const unavailableCrewIds = crewIds.filter((crewId) => !roster.get(crewId)?.active);
  const view = crewViewOf(job, brand, crew);
  const times = charterTimes(job, brand);
  const scheduleKey = JSON.stringify([times.date, times.time ?? null, times.endDate, times.endTime ?? null]);
  const sccBody = sccEventOf(
    view,
    job.jobId,
    crew.map((member) => member.crewId),
  );
  const sccBodyHash = hashOf(sccBody);
  const liveLinks = input.links.filter((link) => isLive(link, now));
  const linkOf = new Map(liveLinks.map((link) => [link.crewId, link]));

  let scc: SccCall | undefined;
  let assignments: CrewAssignment[] = [];
  let releases: CrewRelease[] = [];
  if (ON.includes(job.status)) {
    if (!recorded.sccEventId) scc = { action: 'create', body: sccBody };
    else if (recorded.sccBodyHash !== sccBodyHash)
      scc = { action: 'update', sccEventId: recorded.sccEventId, body: sccBody };
    assignments = crew.map((member) => {
      const link = linkOf.get(member.crewId);
      const kind = !link?.notifiedScheduleKey
        ? 'assigned'
        : link.notifiedScheduleKey !== scheduleKey
          ? 'rescheduled'
          : undefined;
      return { member, link, kind };
    });
    const onCrew = new Set(crew.map((member) => member.crewId));
    releases = liveLinks
      .filter((link) => !onCrew.has(link.crewId))
      .map((link) => ({
        member: roster.get(link.crewId),
        link,
        kind: link.notifiedScheduleKey ? 'unassigned' : undefined,
      }));
  } else if (job.status === 'cancelled') {
    if (recorded.sccEventId) scc = { action: 'delete', sccEventId: recorded.sccEventId };
    releases = liveLinks.map((link) => ({
      member: roster.get(link.crewId),
      link,
      kind: link.notifiedScheduleKey ? 'cancelled' : undefined,
    }));
  } else if (job.status === 'complete' && recorded.sccEventId && recorded.sccBodyHash !== sccBodyHash) {
    scc = { action: 'update', sccEventId: recorded.sccEventId, body: sccBody };
  }
  return {
    view,
    scheduleKey,
    linkExpiresAt: crewLinkExpiry(times),
    sccBody,
    sccBodyHash,
    scc,
    assignments,
    releases,
    unavailableCrewIds,
  };
}
