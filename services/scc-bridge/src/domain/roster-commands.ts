import { NotFoundError } from '@qdn/shared/errors';
import type { DomainEvent } from '@qdn/shared/events';
import {
  applyCrewMemberUpdate,
  type CreateCrewMemberInput,
  type CrewMember,
  newCrewId,
  type UpdateCrewMemberInput,
} from './crew-member.ts';
import type { CrewRoster } from './ports.ts';

export interface RosterContext {
  roster: CrewRoster;
  now: () => Date;
}

/**
 * The events one write of a roster member stands for (the crew table's stream publishes them, filed
 * under `brandId`, the catalog's default: the roster serves every brand): a member added inactive, or
 * whose `active` changed, is one CrewMemberStatusChanged, which tells the other services whether the
 * member may still use what they were given (the calendar service closes their crew calendar's feed).
 * Derived from the write, so a deactivation and its event cannot diverge.
 */
export function memberStatusEventsOf(
  before: CrewMember | undefined,
  after: CrewMember | undefined,
  brandId: string,
): DomainEvent[] {
  if (!after || (before ? before.active === after.active : after.active)) return [];
  return [
    {
      source: 'qdn.scc-bridge',
      detailType: 'CrewMemberStatusChanged',
      detail: {
        meta: {
          eventId: `${after.crewId}:CrewMemberStatusChanged:${after.updatedAt}`,
          occurredAt: after.updatedAt,
          brandId,
          actor: after.updatedBy,
          correlationId: `${after.crewId}:${after.updatedAt}`,
        },
        data: { crewId: after.crewId, active: after.active, changedAt: after.updatedAt },
      },
    },
  ];
}

/** `POST /crew-members` (admin): a new member with a server-chosen crewId for jobs' `crewIds`. */
export async function createCrewMember(
  context: RosterContext,
  input: CreateCrewMemberInput,
  actor: { userId: string },
): Promise<CrewMember> {
  const at = context.now().toISOString();
  const member: CrewMember = {
    crewId: newCrewId(),
    name: input.name,
    phone: input.phone,
    ...(input.email ? { email: input.email } : {}),
    role: input.role,
    active: input.active,
    createdAt: at,
    updatedAt: at,
    updatedBy: actor.userId,
    version: 1,
  };
  await context.roster.create(member);
  return member;
}

/** `GET /crew-members` (dispatcher, admin): the roster, by name. */
export async function listCrewMembers(context: RosterContext): Promise<CrewMember[]> {
  const members = await context.roster.list();
  return members.sort((a, b) => a.name.localeCompare(b.name) || a.crewId.localeCompare(b.crewId));
}

/**
 * `PATCH /crew-members/{crewId}` (admin): the change applied to the member as read, stored only if
 * nobody changed them since (their version): an edit read before another admin's deactivation is a
 * 409 (ConflictError from the roster), never a put that makes the member active again.
 */
export async function updateCrewMember(
  context: RosterContext,
  crewId: string,
  input: UpdateCrewMemberInput,
  actor: { userId: string },
): Promise<CrewMember> {
  const member = await context.roster.get(crewId);
  if (!member) throw new NotFoundError('Crew member not found');
  const updated = applyCrewMemberUpdate(member, input, { at: context.now().toISOString(), by: actor.userId });
  await context.roster.save(updated);
  return updated;
}
