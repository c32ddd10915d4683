import { NotFoundError } from '@qdn/shared/errors';
import { enforceRateLimit } from '@qdn/shared/rate-limit';
import { isLive } from './charter-plan.ts';
import { type ChecklistTick, checklistOf, checklistTemplate } from './checklist.ts';
import { crewTokenHash, isCrewLinkToken, looksLikeCrewToken, UNKNOWN_TOKEN } from './crew-link.ts';
import type { CrewMember } from './crew-member.ts';
import { firstName } from './crew-member.ts';
import type { BridgeContext, CharterRecord, CrewLink } from './ports.ts';

/** Why a crew link shows nothing: one answer for unknown, malformed, expired and revoked links. */
export const CREW_LINK_NOT_FOUND = 'This crew link is unknown or no longer valid';

/** Who is asking, for the per-client limits of the public crew routes. */
export interface CrewLinkRequest {
  sourceIp: string;
}

/**
 * Counts one crew link lookup (and, for a tick, one tick) for the source address, before anything is
 * looked up: guessing tokens or hammering a checklist ends in a 429 with Retry-After.
 */
async function takeCrewLinkAllowance(context: BridgeContext, request: CrewLinkRequest, tick: boolean) {
  const now = context.now();
  await enforceRateLimit(
    context.limits,
    { name: 'crew-lookup', limit: context.crewLinkLimits.lookupsPerIpPerMinute, windowSeconds: 60 },
    request.sourceIp,
    now,
    'Too many crew link requests from this network; try again shortly',
  );
  if (tick) {
    await enforceRateLimit(
      context.limits,
      { name: 'crew-tick', limit: context.crewLinkLimits.ticksPerIpPerMinute, windowSeconds: 60 },
      request.sourceIp,
      now,
      'Too many checklist changes from this network; try again shortly',
    );
  }
}

interface OpenedLink {
  charter: CharterRecord;
  link: CrewLink;
  ticks: ChecklistTick[];
  member: CrewMember;
}

/**
 * The charter behind a crew token, if the link still works: issued for this member and this charter,
 * derived under the current secret (a rotation ends the links sent before it), not revoked (taken off
 * the crew, charter cancelled), not expired. A malformed token costs the same lookup as a real one, so
 * timing says nothing about which check failed.
 */
async function openCrewLink(context: BridgeContext, token: string): Promise<OpenedLink | undefined> {
  const candidate = looksLikeCrewToken(token) ? token : UNKNOWN_TOKEN;
  const tokenHash = crewTokenHash(candidate);
  const [secret, issued] = await Promise.all([context.linkSecret(), context.charters.findToken(tokenHash)]);
  if (!issued) return undefined;
  // The stored lookup outlives a rotation until the link is texted again: the secret decides.
  const current = isCrewLinkToken(secret, issued.linkId, candidate);
  const [{ charter, links, ticks }, member] = await Promise.all([
    context.charters.charterWithLinks(issued.jobId),
    context.roster.get(issued.crewId),
  ]);
  const link = links.find((candidate) => candidate.crewId === issued.crewId);
  // A deactivated member's links stop at once, with the same answer as an unknown link.
  const works =
    member?.active === true &&
    charter !== undefined &&
    charter.status !== 'cancelled' &&
    charter.crewIds.includes(issued.crewId) &&
    link !== undefined &&
    link.linkId === issued.linkId &&
    link.tokenHash === tokenHash &&
    current &&
    isLive(link, context.now());
  return works ? { charter, link, ticks, member } : undefined;
}

async function pageOf(context: BridgeContext, { charter, link, ticks, member }: OpenedLink) {
  const brand = context.brands.get(charter.brandId);
  return {
    brand: { brandId: brand.brandId, displayName: brand.displayName, theme: brand.theme },
    charter: charter.crewView,
    you: member ? { firstName: firstName(member.name), role: member.role } : undefined,
    checklist: checklistOf(checklistTemplate(brand, charter.serviceType), ticks),
    linkExpiresAt: link.expiresAt,
  };
}
export type CrewPage = Awaited<ReturnType<typeof pageOf>>;

/** `GET /crew/{token}`: the crew view of the member's charter and its checklist, or undefined (404). */
export async function crewPage(
  context: BridgeContext,
  token: string,
  request?: CrewLinkRequest,
): Promise<CrewPage | undefined> {
  if (request) await takeCrewLinkAllowance(context, request, false);
  const opened = await openCrewLink(context, token);
  return opened ? pageOf(context, opened) : undefined;
}

/**
 * `POST /crew/{token}/checklist/{itemId}`: ticks or unticks an item of the brand's checklist, recording
 * who and when; each change goes to the timeline once as CrewChecklistItemTicked. Ticking an item that
 * is already in that state changes nothing (and publishes nothing new).
 */
export async function tickChecklistItem(
  context: BridgeContext,
  token: string,
  itemId: string,
  done: boolean,
  request?: CrewLinkRequest,
): Promise<CrewPage | undefined> {
  if (request) await takeCrewLinkAllowance(context, request, true);
  const opened = await openCrewLink(context, token);
  if (!opened) return undefined;
  const { charter, link, member } = opened;
  const brand = context.brands.get(charter.brandId);
  const item = checklistTemplate(brand, charter.serviceType).find((candidate) => candidate.itemId === itemId);
  if (!item) throw new NotFoundError('No such checklist item');
  const at = context.now().toISOString();
  // Storing the tick is what publishes CrewChecklistItemTicked (the crew table's stream, tickEventsOf).
  const { tick } = await context.charters.tick(charter.jobId, {
    itemId,
    done,
    byCrewId: link.crewId,
    byFirstName: member ? firstName(member.name) : 'Crew',
    at,
    brandId: charter.brandId,
    label: item.label,
  });
  const ticks = [...opened.ticks.filter((other) => other.itemId !== itemId), tick];
  return pageOf(context, { ...opened, ticks });
}
