import type { Brand } from '@qdn/shared/brands';
import { TransientError } from '@qdn/shared/errors';
import { type DomainEvent, type EventMeta, type JobOnBus, jobEventId } from '@qdn/shared/events';
import { logger } from '@qdn/shared/logging';
import { claimWhenFree } from '@qdn/shared/retry';
import { type CharterPlan, type CrewAssignment, type CrewRelease, planCharter } from './charter-plan.ts';
import { crewLinkToken, crewLinkUrl, crewTokenHash, newLinkId } from './crew-link.ts';
import type { CrewMember } from './crew-member.ts';
import { type CrewMessageKind, crewSmsBody } from './crew-sms.ts';
import type { BridgeContext, CharterClaim, CharterRecord, CrewLink, SccState } from './ports.ts';

/** Who the bridge's own events name as their actor. */
const ACTOR = 'scc-bridge';

export type SyncOutcome = 'synced' | 'stale' | 'not-a-charter';

/**
 * Brings SCC and the crew up to date with one version of a charter job (any of the jobs events: each
 * carries the whole job, so the version is what matters, not the detail-type). Safe to run again for
 * the same version — a redelivery, a redrive, a replay: each step checks what is already done (SCC
 * body hash, live links, the last message per member), so SCC is called and each member texted once
 * per version, and the events, whose ids are per version, are published again harmlessly.
 *
 * Deliveries of one job never race: one waits (briefly) for another to finish, and if it does not,
 * throws TransientError so SQS tries it again later.
 */
export async function syncCharterCrew(
  context: BridgeContext,
  event: { job: JobOnBus; meta: EventMeta },
): Promise<SyncOutcome> {
  const { job } = event;
  // The rule only sends charters; anything else must cause nothing at all.
  if (job.serviceType !== 'charter') return 'not-a-charter';
  const claim = await claimCharter(context, job);
  const now = context.now();
  if (claim.kind === 'stale') {
    logger.info('Charter version already handled', { version: job.version, handled: claim.handledVersion });
    return 'stale';
  }
  if (claim.kind === 'busy') {
    throw new TransientError(`Charter ${job.jobId} is being synced by another delivery; retrying later`);
  }
  try {
    await syncClaimedCharter(context, event, claim, now);
    return 'synced';
  } catch (error) {
    // The lease would lapse on its own; letting go now lets the retry start at once.
    await context.charters.release(job.jobId, claim.leaseToken).catch(function leaseLapses(releaseError) {
      logger.warn('Could not release the charter lease', { error: releaseError as Error });
    });
    throw error;
  }
}

/**
 * Claims the charter for this version. While another delivery holds it — often this very message,
 * redelivered because the first run outlasted the visibility timeout — waits a little: once the
 * holder is done this version is stale (nothing to do), or the holder failed and this one takes over.
 */
function claimCharter(context: BridgeContext, job: JobOnBus): Promise<CharterClaim> {
  return claimWhenFree(
    () => context.charters.claim(job.jobId, job.version, context.now(), context.leaseMs),
    (claim) => claim.kind === 'busy',
    { ceilingMs: context.busyWaitMs },
  );
}

async function syncClaimedCharter(
  context: BridgeContext,
  event: { job: JobOnBus; meta: EventMeta },
  claim: Extract<CharterClaim, { kind: 'claimed' }>,
  now: Date,
): Promise<void> {
  const { job } = event;
  const { scc: recordedScc, links: knownLinks, leaseToken } = claim;
  const brand = context.brands.get(job.brandId);
  const roster = await context.roster.getMany([...job.crewIds, ...knownLinks.map((link) => link.crewId)]);
  const plan = planCharter({ job, brand, scc: recordedScc, links: knownLinks, roster, now });
  if (plan.unavailableCrewIds.length > 0) {
    logger.warn('Assigned crew not active on the roster: not told', { crewIds: plan.unavailableCrewIds });
  }

  const scc = plan.scc ? await callScc(context, job, plan) : recordedScc;
  const links = new Map(knownLinks.map((link) => [link.crewId, link]));
  for (const assignment of plan.assignments) {
    const previous = links.get(assignment.member.crewId);
    links.set(
      assignment.member.crewId,
      await assign(context, { job, brand, plan, assignment, previous, now }),
    );
  }
  for (const release of plan.releases) {
    links.set(release.link.crewId, await releaseLink(context, { job, brand, plan, release, now }));
  }

  await context.publish(timelineEvents(event, scc.sccLastSync, [...links.values()], now));
  await context.charters.complete(
    {
      jobId: job.jobId,
      brandId: job.brandId,
      serviceType: job.serviceType,
      version: job.version,
      status: job.status,
      crewIds: job.crewIds,
      crewView: plan.view,
      scheduleKey: plan.scheduleKey,
      ...(scc.sccEventId ? { sccEventId: scc.sccEventId } : {}),
      ...(scc.sccBodyHash ? { sccBodyHash: scc.sccBodyHash } : {}),
      ...(scc.sccLastSync ? { sccLastSync: scc.sccLastSync } : {}),
      unavailableCrewIds: plan.unavailableCrewIds,
      updatedAt: now.toISOString(),
    },
    leaseToken,
  );
}

/** One SCC call, recorded at once so a retry of this version does not repeat it. */
async function callScc(context: BridgeContext, job: JobOnBus, plan: CharterPlan): Promise<SccState> {
  const call = plan.scc!;
  let state: SccState;
  if (call.action === 'delete') {
    await context.scc.remove(call.sccEventId);
    state = {
      sccEventId: undefined,
      sccBodyHash: undefined,
      sccLastSync: { version: job.version, action: 'deleted', sccEventId: call.sccEventId },
    };
  } else {
    const updated =
      call.action === 'update' ? await context.scc.update(call.sccEventId, call.body) : 'missing';
    // An event someone deleted in SCC itself is created again rather than lost.
    const sccEventId =
      updated === 'updated' && call.action === 'update'
        ? call.sccEventId
        : (await context.scc.create(call.body)).sccEventId;
    state = {
      sccEventId,
      sccBodyHash: plan.sccBodyHash,
      sccLastSync: {
        version: job.version,
        action: updated === 'updated' ? 'updated' : 'created',
        sccEventId,
      },
    };
  }
  await context.charters.recordSccSync(job.jobId, state);
  return state;
}

/** What every step of one version's sync works from. */
interface SyncStep {
  job: JobOnBus;
  brand: Brand;
  plan: CharterPlan;
  now: Date;
}

/** A member on the crew: their live link (or a new one), with its expiry following the schedule; texted if needed. */
async function assign(
  context: BridgeContext,
  input: SyncStep & { assignment: CrewAssignment; previous: CrewLink | undefined },
): Promise<CrewLink> {
  const { job, plan, assignment, now } = input;
  const secret = await context.linkSecret();
  let link = assignment.link;
  if (!link) {
    const linkId = newLinkId();
    link = {
      jobId: job.jobId,
      crewId: assignment.member.crewId,
      linkId,
      tokenHash: crewTokenHash(crewLinkToken(secret, linkId)),
      issuedAt: now.toISOString(),
      expiresAt: plan.linkExpiresAt,
    };
    await context.charters.saveLink(link, input.previous?.tokenHash);
  } else if (link.expiresAt !== plan.linkExpiresAt) {
    await context.charters.extendLink(link, plan.linkExpiresAt);
    link = { ...link, expiresAt: plan.linkExpiresAt };
  }
  if (!assignment.kind) return link;
  const token = crewLinkToken(secret, link.linkId);
  if (crewTokenHash(token) !== link.tokenHash) {
    // Minted under a secret since rotated: the link is looked up by the token texted now, not the old one.
    const rekeyed = { ...link, tokenHash: crewTokenHash(token) };
    await context.charters.saveLink(rekeyed, link.tokenHash);
    link = rekeyed;
  }
  const url = crewLinkUrl(context.siteBaseUrl(job.brandId), token);
  return text(context, {
    ...input,
    member: assignment.member,
    link,
    kind: assignment.kind,
    url,
    scheduleKey: plan.scheduleKey,
  });
}

/** A member off the crew (or a cancelled charter): told first, then the link stops working. */
async function releaseLink(
  context: BridgeContext,
  input: SyncStep & { release: CrewRelease },
): Promise<CrewLink> {
  const { release, now } = input;
  let link = release.link;
  if (release.kind && release.member) {
    link = await text(context, {
      ...input,
      member: release.member,
      link,
      kind: release.kind,
      url: undefined,
      scheduleKey: link.notifiedScheduleKey,
    });
  }
  await context.charters.revokeLink(link, now.toISOString());
  return { ...link, revokedAt: now.toISOString() };
}

/** Publishes one crew message, once per job version, member and kind. */
async function text(
  context: BridgeContext,
  input: SyncStep & {
    member: CrewMember;
    link: CrewLink;
    kind: CrewMessageKind;
    url: string | undefined;
    scheduleKey: string | undefined;
  },
): Promise<CrewLink> {
  const { job, brand, plan, now, link, kind, member } = input;
  const messageId = `${job.jobId}:${job.version}:${member.crewId}:${kind}`;
  if (link.lastMessage?.messageId === messageId) return link;
  await context.messenger.send({
    messageId,
    brandId: job.brandId,
    jobId: job.jobId,
    crewId: member.crewId,
    to: member.phone,
    kind,
    version: job.version,
    body: crewSmsBody({ kind, brand, member, view: plan.view, ...(input.url ? { url: input.url } : {}) }),
    occurredAt: now.toISOString(),
  });
  const lastMessage = { version: job.version, kind, messageId, at: now.toISOString() };
  await context.charters.recordMessage(link, lastMessage, input.scheduleKey);
  return {
    ...link,
    lastMessage,
    ...(input.scheduleKey ? { notifiedScheduleKey: input.scheduleKey } : {}),
  };
}

/**
 * SccEventSynced and CrewNotified for this version, derived from what is recorded (not from what this
 * attempt did), so a retry after a failed publish still publishes them; ids are per version and member.
 */
function timelineEvents(
  event: { job: JobOnBus; meta: EventMeta },
  sccLastSync: CharterRecord['sccLastSync'],
  links: CrewLink[],
  now: Date,
): DomainEvent[] {
  const { job } = event;
  const meta = (eventId: string) => ({
    eventId,
    occurredAt: now.toISOString(),
    brandId: job.brandId,
    jobId: job.jobId,
    version: job.version,
    actor: ACTOR,
    correlationId: event.meta.correlationId,
  });
  const events: DomainEvent[] = [];
  if (sccLastSync?.version === job.version) {
    events.push({
      source: 'qdn.scc-bridge',
      detailType: 'SccEventSynced',
      detail: {
        meta: meta(jobEventId(job.jobId, job.version, 'SccEventSynced')),
        data: { jobId: job.jobId, sccEventId: sccLastSync.sccEventId, action: sccLastSync.action },
      },
    });
  }
  for (const link of links) {
    if (link.lastMessage?.version !== job.version) continue;
    events.push({
      source: 'qdn.scc-bridge',
      detailType: 'CrewNotified',
      detail: {
        meta: meta(`${jobEventId(job.jobId, job.version, 'CrewNotified')}:${link.crewId}`),
        data: { jobId: job.jobId, crewId: link.crewId, channel: 'sms', kind: link.lastMessage.kind },
      },
    });
  }
  return events;
}
