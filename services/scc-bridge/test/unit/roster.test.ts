import { describe, expect, it } from '@jest/globals';
import { NotFoundError } from '@qdn/shared/errors';
import type { DomainEvent } from '@qdn/shared/events';
import {
  applyCrewMemberUpdate,
  CreateCrewMemberInput,
  CrewIdParams,
  type CrewMember,
  firstName,
  UpdateCrewMemberInput,
} from '../../src/domain/crew-member.ts';
import {
  createCrewMember,
  listCrewMembers,
  memberStatusEventsOf,
  type RosterContext,
  updateCrewMember,
} from '../../src/domain/roster-commands.ts';
import { MemoryRoster, member } from './factories.ts';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const admin = { userId: 'admin-1' };

function rosterContext(members: CrewMember[] = []) {
  const published: DomainEvent[] = [];
  // What the crew table's stream publisher would publish for each roster write.
  const roster = new MemoryRoster(members, (before, after) =>
    published.push(...memberStatusEventsOf(before, after, 'qdn')),
  );
  let clock = NOW;
  const context: RosterContext = { roster, now: () => clock };
  return {
    context,
    roster,
    published,
    setNow: (at: Date) => {
      clock = at;
    },
  };
}

describe('adding crew members', () => {
  it('given an active member, then stored with a server-chosen crew id and no event', async () => {
    const { context, roster, published } = rosterContext();
    const input = CreateCrewMemberInput.parse({
      name: '  Alice Marin ',
      phone: '(619) 555-0171',
      role: 'Captain',
    });

    const created = await createCrewMember(context, input, admin);

    expect(created).toEqual({
      crewId: expect.stringMatching(/^crew_[0-9a-f]{16}$/),
      name: 'Alice Marin',
      phone: '+16195550171',
      role: 'captain',
      active: true,
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
      updatedBy: 'admin-1',
      version: 1,
    });
    expect(CrewIdParams.safeParse({ crewId: created.crewId }).success).toBe(true);
    expect(roster.members.get(created.crewId)).toEqual(created);
    expect(published).toEqual([]);
  });

  it('given a member added inactive, then the other services are told at once, under the default brand', async () => {
    const { context, published } = rosterContext();
    const created = await createCrewMember(
      context,
      CreateCrewMemberInput.parse({
        name: 'Bob Keel',
        phone: '+16195550172',
        email: 'bob@example.com',
        role: 'deckhand',
        active: false,
      }),
      admin,
    );
    expect(created.email).toBe('bob@example.com');
    expect(published).toEqual([
      {
        source: 'qdn.scc-bridge',
        detailType: 'CrewMemberStatusChanged',
        detail: {
          meta: {
            eventId: `${created.crewId}:CrewMemberStatusChanged:${NOW.toISOString()}`,
            occurredAt: NOW.toISOString(),
            brandId: 'qdn',
            actor: 'admin-1',
            correlationId: `${created.crewId}:${NOW.toISOString()}`,
          },
          data: { crewId: created.crewId, active: false, changedAt: NOW.toISOString() },
        },
      },
    ]);
  });

  it('given two members added, then they get different crew ids', async () => {
    const { context } = rosterContext();
    const input = CreateCrewMemberInput.parse({ name: 'A', phone: '+16195550171', role: 'mate' });
    const [one, two] = [
      await createCrewMember(context, input, admin),
      await createCrewMember(context, input, admin),
    ];
    expect(one.crewId).not.toBe(two.crewId);
  });

  it.each([
    ['an unknown field', { name: 'A', phone: '+16195550171', role: 'mate', captainFeeCents: 5 }, ''],
    ['a role with digits', { name: 'A', phone: '+16195550171', role: 'captain2' }, 'role'],
    ['a phone that is not one', { name: 'A', phone: '12', role: 'mate' }, 'phone'],
    ['a blank name', { name: '   ', phone: '+16195550171', role: 'mate' }, 'name'],
  ])('given %s, then the body is refused on that field', (_case, body, field) => {
    const parsed = CreateCrewMemberInput.safeParse(body);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toEqual([field]);
  });
});

describe('the roster', () => {
  it('given members, then listed by name, then by crew id', async () => {
    const { context } = rosterContext([
      member('crew_c', 'Cy Old'),
      member('crew_b', 'Alice Marin'),
      member('crew_a', 'Alice Marin'),
    ]);
    expect((await listCrewMembers(context)).map((one) => one.crewId)).toEqual(['crew_a', 'crew_b', 'crew_c']);
  });

  it('given a name, then the crew page and texts use its first word', () => {
    expect(firstName('  Alice   Marin ')).toBe('Alice');
  });
});

describe('changing a crew member', () => {
  const alice = member('crew_a', 'Alice Marin', 'captain', { email: 'alice@example.com' });

  it('given a new phone and `email: null`, then both change, the rest stays and no event is published', async () => {
    const { context, roster, published, setNow } = rosterContext([alice]);
    setNow(new Date('2026-06-02T08:00:00.000Z'));

    const updated = await updateCrewMember(
      context,
      'crew_a',
      UpdateCrewMemberInput.parse({ phone: '+16195550199', email: null }),
      admin,
    );

    expect(updated).toEqual({
      ...alice,
      phone: '+16195550199',
      email: undefined,
      updatedAt: '2026-06-02T08:00:00.000Z',
      updatedBy: 'admin-1',
      version: 1,
    });
    expect(updated).not.toHaveProperty('email');
    expect(roster.members.get('crew_a')).toEqual(updated);
    expect(published).toEqual([]);
  });

  it('given a new email, then it replaces the old one', async () => {
    const { context } = rosterContext([alice]);
    const updated = await updateCrewMember(context, 'crew_a', { email: 'a.marin@example.com' }, admin);
    expect(updated.email).toBe('a.marin@example.com');
  });

  it('given a deactivation, then the member is inactive and CrewMemberStatusChanged says so', async () => {
    const { context, roster, published } = rosterContext([alice]);

    await updateCrewMember(context, 'crew_a', { active: false }, admin);

    expect(roster.members.get('crew_a')?.active).toBe(false);
    expect(published.map((event) => event.detail.data)).toEqual([
      { crewId: 'crew_a', active: false, changedAt: NOW.toISOString() },
    ]);
  });

  it('given an edit made from a read taken before another admin’s deactivation, then 409 and the member stays inactive, with no event', async () => {
    const { context, roster, published } = rosterContext([alice]);
    const staleRead = (await roster.get('crew_a'))!;
    await updateCrewMember(context, 'crew_a', { active: false }, admin);
    published.length = 0;

    const edit = roster.save(
      applyCrewMemberUpdate(staleRead, { phone: '+16195550199' }, { at: NOW.toISOString(), by: 'admin-2' }),
    );

    await expect(edit).rejects.toMatchObject({ statusCode: 409 });
    expect(roster.members.get('crew_a')).toMatchObject({ active: false, phone: alice.phone, version: 1 });
    expect(published).toEqual([]);
  });

  it('given an unknown crew id, then 404 and nothing stored or published', async () => {
    const { context, roster, published } = rosterContext([alice]);
    await expect(updateCrewMember(context, 'crew_nobody', { active: false }, admin)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect([...roster.members.keys()]).toEqual(['crew_a']);
    expect(published).toEqual([]);
  });

  it('given an empty change or a crew id that is not one, then the request is refused', () => {
    expect(UpdateCrewMemberInput.safeParse({}).error?.issues[0]?.message).toBe('nothing to change');
    expect(CrewIdParams.safeParse({ crewId: 'crew_a' }).error?.issues[0]?.message).toBe(
      'unknown crew member',
    );
  });
});
