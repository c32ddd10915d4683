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
  publish: (events: DomainEvent[]) => Promise<void>;
  /** The brand a roster event is filed under (the roster serves every brand): the configured default. */
  defaultBrandId: () => Promise<string>;
}

/**
 * Tells the other services whether the member may still use what they were given (the calendar
 * service closes their crew calendar's feed). Published after the write; an admin repeating a failed
 * PATCH publishes it again, and consumers keep the latest `changedAt`.
 */
async function announceStatus(context: RosterContext, member: CrewMember, actor: { userId: string }) {
  await context.publish([
    {
      source: 'qdn.scc-bridge',
      detailType: 'CrewMemberStatusChanged',
      detail: {
        meta: {
          eventId: `${member.crewId}:CrewMemberStatusChanged:${member.updatedAt}`,
          occurredAt: member.updatedAt,
          brandId: await context.defaultBrandId(),
          actor: actor.userId,
          correlationId: `${member.crewId}:${member.updatedAt}`,
        },
        data: { crewId: member.crewId, active: member.active, changedAt: member.updatedAt },
      },
    },
  ]);
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
  };
  await context.roster.create(member);
  if (!member.active) await announceStatus(context, member, actor);
  return member;
}

/** `GET /crew-members` (dispatcher, admin): the roster, by name. */
export async function listCrewMembers(context: RosterContext): Promise<CrewMember[]> {
  const members = await context.roster.list();
  return members.sort((a, b) => a.name.localeCompare(b.name) || a.crewId.localeCompare(b.crewId));
}

/** `PATCH /crew-members/{crewId}` (admin). */
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
  if (input.active !== undefined) await announceStatus(context, updated, actor);
  return updated;
}
