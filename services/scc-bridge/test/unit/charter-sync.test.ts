import { describe, expect, it } from '@jest/globals';
import { TransientError } from '@qdn/shared/errors';
import type { JobOnBus } from '@qdn/shared/events';
import { planCharter } from '../../src/domain/charter-plan.ts';
import { syncCharterCrew } from '../../src/domain/charter-sync.ts';
import { crewLinkToken, crewTokenHash } from '../../src/domain/crew-link.ts';
import { crewPage, tickChecklistItem } from '../../src/domain/crew-page.ts';
import type { CharterRecord, CrewLink } from '../../src/domain/ports.ts';
import { charterJob, jada, member, memoryContext, metaOf } from './factories.ts';

const alice = member('crew_a', 'Alice Marin', 'captain', { phone: '+16195550171' });
const bob = member('crew_b', 'Bob Keel', 'deckhand', { phone: '+16195550172' });
const now = new Date('2026-06-01T12:00:00.000Z');

const sync = (context: ReturnType<typeof memoryContext>['context'], job: JobOnBus) =>
  syncCharterCrew(context, { job, meta: metaOf(job) });

/** The token a member's last message linked to. */
const tokenIn = (body: string) => /\/crew\/([A-Za-z0-9_-]{43})/.exec(body)?.[1];

describe('planning one charter version', () => {
  const roster = new Map([
    [alice.crewId, alice],
    [bob.crewId, bob],
  ]);

  it('given a new charter, then SCC gets an event and both crew get a link', () => {
    const plan = planCharter({ job: charterJob(), brand: jada, scc: {}, links: [], roster, now });
    expect(plan.scc?.action).toBe('create');
    expect(plan.assignments.map((a) => [a.member.crewId, a.kind])).toEqual([
      ['crew_a', 'assigned'],
      ['crew_b', 'assigned'],
    ]);
    expect(plan.releases).toEqual([]);
  });

  it('given an unconfirmed booking (requested), then nothing happens yet', () => {
    const plan = planCharter({
      job: charterJob({ status: 'requested' }),
      brand: jada,
      scc: {},
      links: [],
      roster,
      now,
    });
    expect(plan.scc).toBeUndefined();
    expect(plan.assignments).toEqual([]);
  });

  it('given crew ids that are unknown or inactive, then they are reported and nobody is texted for them', () => {
    const plan = planCharter({
      job: charterJob({ crewIds: ['crew_a', 'crew_x', 'crew_c'] }),
      brand: jada,
      scc: {},
      links: [],
      roster: new Map([...roster, ['crew_c', member('crew_c', 'Cy Old', 'mate', { active: false })]]),
      now,
    });
    expect(plan.unavailableCrewIds).toEqual(['crew_x', 'crew_c']);
    expect(plan.assignments.map((a) => a.member.crewId)).toEqual(['crew_a']);
    expect(plan.sccBody.crewIds).toEqual(['crew_a']);
  });
});

describe('planning cancelled, complete and changed crews', () => {
  const roster = new Map([
    [alice.crewId, alice],
    [bob.crewId, bob],
  ]);
  const link = (crewId: string, overrides: Partial<CrewLink> = {}): CrewLink => ({
    jobId: 'qdn_01JCHARTER000000000000000',
    crewId,
    linkId: `link-${crewId}`,
    tokenHash: `hash-${crewId}`,
    issuedAt: '2026-05-30T12:00:00.000Z',
    expiresAt: '2026-07-06T03:30:00.000Z',
    ...overrides,
  });
  const synced = (job: JobOnBus) => {
    const first = planCharter({ job, brand: jada, scc: {}, links: [], roster, now });
    return { sccEventId: 'evt_1', sccBodyHash: first.sccBodyHash };
  };

  it('given a cancelled charter never sent to SCC, then no SCC call; only members who were told are told again', () => {
    const plan = planCharter({
      job: charterJob({ status: 'cancelled' }),
      brand: jada,
      scc: {},
      links: [
        link('crew_a', { notifiedScheduleKey: 'k' }),
        link('crew_b'),
        link('crew_c', { revokedAt: 'x' }),
      ],
      roster,
      now,
    });
    expect(plan.scc).toBeUndefined();
    expect(plan.assignments).toEqual([]);
    expect(plan.releases.map((release) => [release.link.crewId, release.kind])).toEqual([
      ['crew_a', 'cancelled'],
      ['crew_b', undefined],
    ]);
  });

  it('given a complete charter, then SCC is updated only for a change the crew can see, and nobody is texted', () => {
    const scc = synced(charterJob());
    const unchanged = planCharter({
      job: charterJob({ status: 'complete' }),
      brand: jada,
      scc,
      links: [],
      roster,
      now,
    });
    const changed = planCharter({
      job: charterJob({ status: 'complete', crewNotes: 'Left a jacket on board' }),
      brand: jada,
      scc,
      links: [link('crew_a', { notifiedScheduleKey: 'k' })],
      roster,
      now,
    });
    const neverSynced = planCharter({
      job: charterJob({ status: 'complete' }),
      brand: jada,
      scc: {},
      links: [],
      roster,
      now,
    });
    expect(unchanged.scc).toBeUndefined();
    expect(changed.scc).toMatchObject({ action: 'update', sccEventId: 'evt_1' });
    expect([...changed.assignments, ...changed.releases]).toEqual([]);
    expect(neverSynced.scc).toBeUndefined();
  });

  it('given a member taken off before they were ever told, then their link goes without a text', () => {
    const plan = planCharter({
      job: charterJob({ crewIds: ['crew_a'] }),
      brand: jada,
      scc: synced(charterJob()),
      links: [link('crew_a', { notifiedScheduleKey: 'k' }), link('crew_b')],
      roster,
      now,
    });
    expect(plan.releases.map((release) => [release.link.crewId, release.kind])).toEqual([
      ['crew_b', undefined],
    ]);
  });

  it('given a charter with a date only, then its schedule key has no times', () => {
    const plan = planCharter({
      job: charterJob({ schedule: { date: '2026-07-04' }, charter: undefined }),
      brand: jada,
      scc: {},
      links: [],
      roster,
      now,
    });
    expect(JSON.parse(plan.scheduleKey)).toEqual(['2026-07-04', null, '2026-07-04', null]);
  });
});

describe('syncing a charter', () => {
  it('given a new charter with two crew, then one SCC event, two links texted, and the timeline events', async () => {
    // Prepare
    const { context, sent, published } = memoryContext([alice, bob]);

    // Act
    const outcome = await sync(context, charterJob());

    // Assess
    expect(outcome).toBe('synced');
    expect(context.scc.calls.map((call) => call.method)).toEqual(['POST']);
    expect(sent.map((message) => [message.crewId, message.kind, message.to])).toEqual([
      ['crew_a', 'assigned', '+16195550171'],
      ['crew_b', 'assigned', '+16195550172'],
    ]);
    expect(sent[0]?.messageId).toBe('qdn_01JCHARTER000000000000000:1:crew_a:assigned');
    expect(tokenIn(sent[0]!.body)).not.toBe(tokenIn(sent[1]!.body));
    expect(published.map((event) => [event.detailType, event.detail.meta.eventId])).toEqual([
      ['SccEventSynced', 'qdn_01JCHARTER000000000000000:1:SccEventSynced'],
      ['CrewNotified', 'qdn_01JCHARTER000000000000000:1:CrewNotified:crew_a'],
      ['CrewNotified', 'qdn_01JCHARTER000000000000000:1:CrewNotified:crew_b'],
    ]);
  });

  it('given the same version twice (or an older one), then SCC is called once and nobody is texted twice', async () => {
    const { context, sent } = memoryContext([alice, bob]);
    await sync(context, charterJob({ version: 2 }));
    expect(await sync(context, charterJob({ version: 2 }))).toBe('stale');
    expect(await sync(context, charterJob({ version: 1 }))).toBe('stale');
    expect(context.scc.calls).toHaveLength(1);
    expect(sent).toHaveLength(2);
  });

  it('given a change the crew cannot see (price), then no SCC call and no text', async () => {
    const { context, sent } = memoryContext([alice, bob]);
    await sync(context, charterJob());
    await sync(context, charterJob({ version: 2, priceCents: 99 }));
    expect(context.scc.calls).toHaveLength(1);
    expect(sent).toHaveLength(2);
  });

  it('given a reschedule, then SCC is updated and the crew re-texted with the same links, valid until a day after', async () => {
    // Prepare
    const { context, sent } = memoryContext([alice, bob]);
    await sync(context, charterJob());
    const firstToken = tokenIn(sent[0]!.body)!;

    // Act
    await sync(context, charterJob({ version: 2, schedule: { date: '2026-07-05', time: '10:00' } }));

    // Assess
    expect(context.scc.calls.map((call) => [call.method, call.body?.eventDate])).toEqual([
      ['POST', '2026-07-04'],
      ['PUT', '2026-07-05'],
    ]);
    expect(sent.slice(2).map((message) => [message.crewId, message.kind])).toEqual([
      ['crew_a', 'rescheduled'],
      ['crew_b', 'rescheduled'],
    ]);
    expect(tokenIn(sent[2]!.body)).toBe(firstToken);
    const page = await crewPage(context, firstToken);
    expect(page?.charter).toMatchObject({ date: '2026-07-05', time: '10:00' });
    expect(page?.linkExpiresAt).toBe('2026-07-06T20:00:00.000Z');
  });

  it('given a member taken off, then their link stops working, they are told, the other keeps theirs', async () => {
    const { context, sent } = memoryContext([alice, bob]);
    await sync(context, charterJob());
    const [aliceToken, bobToken] = sent.map((message) => tokenIn(message.body)!);

    await sync(context, charterJob({ version: 2, crewIds: ['crew_a'] }));

    expect(sent.slice(2).map((message) => [message.crewId, message.kind])).toEqual([
      ['crew_b', 'unassigned'],
    ]);
    expect(await crewPage(context, bobToken!)).toBeUndefined();
    expect((await crewPage(context, aliceToken!))?.charter.crew).toEqual([
      { firstName: 'Alice', role: 'captain' },
    ]);
    expect(context.scc.calls.map((call) => call.method)).toEqual(['POST', 'PUT']);
  });

  it('given a member put back on, then they get a new link (the revoked one stays dead)', async () => {
    const { context, sent } = memoryContext([alice, bob]);
    await sync(context, charterJob());
    await sync(context, charterJob({ version: 2, crewIds: ['crew_a'] }));
    await sync(context, charterJob({ version: 3 }));
    const bobTokens = sent
      .filter((m) => m.crewId === 'crew_b' && m.kind === 'assigned')
      .map((m) => tokenIn(m.body));
    expect(bobTokens).toHaveLength(2);
    expect(bobTokens[0]).not.toBe(bobTokens[1]);
    expect(await crewPage(context, bobTokens[0]!)).toBeUndefined();
    expect(await crewPage(context, bobTokens[1]!)).toBeDefined();
  });

  it('given a cancellation, then SCC deletes the event, every link stops working and everyone is told', async () => {
    const { context, sent } = memoryContext([alice, bob]);
    await sync(context, charterJob());
    const tokens = sent.map((message) => tokenIn(message.body)!);

    await sync(context, charterJob({ version: 2, status: 'cancelled' }));

    expect(context.scc.calls.map((call) => [call.method, call.sccEventId])).toEqual([
      ['POST', undefined],
      ['DELETE', 'evt_1'],
    ]);
    expect(sent.slice(2).map((message) => [message.crewId, message.kind])).toEqual([
      ['crew_a', 'cancelled'],
      ['crew_b', 'cancelled'],
    ]);
    for (const token of tokens) expect(await crewPage(context, token)).toBeUndefined();
  });

  it('given a text that fails after SCC accepted the event, then the retry neither calls SCC again nor re-texts', async () => {
    // Prepare
    const { context, sent, published, messenger } = memoryContext([alice, bob]);
    const job = charterJob();
    messenger.failNext = new TransientError('SNS throttled');

    // Act
    await expect(sync(context, job)).rejects.toThrow('SNS throttled');
    await sync(context, job);

    // Assess
    expect(context.scc.calls.map((call) => call.method)).toEqual(['POST']);
    expect(sent.map((message) => message.crewId)).toEqual(['crew_a', 'crew_b']);
    expect(published.filter((event) => event.detailType === 'SccEventSynced')).toHaveLength(1);
  });

  it('given SCC down, then the failure is transient and the version is retried in full', async () => {
    const { context, sent } = memoryContext([alice, bob]);
    context.scc.failNext = new TransientError('SCC answered 503');
    await expect(sync(context, charterJob())).rejects.toBeInstanceOf(TransientError);
    expect(sent).toEqual([]);
    await sync(context, charterJob());
    expect(context.scc.calls.map((call) => call.method)).toEqual(['POST', 'POST']);
    expect(sent).toHaveLength(2);
  });

  it('given another delivery of the job in progress, then this one is retried later', async () => {
    const { context } = memoryContext([alice, bob]);
    await context.charters.claim('qdn_01JCHARTER000000000000000', 1, now, 15_000);
    await expect(sync(context, charterJob({ version: 2 }))).rejects.toBeInstanceOf(TransientError);
  });

  it('given the same version held by a delivery that then finishes, then this one waits and finds it done', async () => {
    // Prepare: another delivery of version 1 holds the charter and completes 300 ms later
    const { context } = memoryContext([alice, bob]);
    const job = charterJob();
    const held = await context.charters.claim(job.jobId, 1, now, 15_000);
    setTimeout(() => {
      const leaseToken = held.kind === 'claimed' ? held.leaseToken : '';
      void context.charters.complete({ jobId: job.jobId, version: 1 } as CharterRecord, leaseToken);
    }, 300);

    // Act
    const outcome = await sync({ ...context, busyWaitMs: 5_000 }, job);

    // Assess
    expect(outcome).toBe('stale');
    expect(context.scc.calls).toEqual([]);
  });

  it('given an event deleted in SCC itself, then an update creates it again', async () => {
    const { context } = memoryContext([alice, bob]);
    await sync(context, charterJob());
    context.scc.events.clear();
    await sync(context, charterJob({ version: 2, crewNotes: 'new notes' }));
    expect(context.scc.calls.map((call) => call.method)).toEqual(['POST', 'PUT', 'POST']);
  });

  it('given a job that is not a charter, then nothing at all', async () => {
    const { context, sent, published } = memoryContext([alice, bob]);
    expect(await sync(context, charterJob({ serviceType: 'trailer_drop' }))).toBe('not-a-charter');
    expect([context.scc.calls, sent, published]).toEqual([[], [], []]);
  });
});

describe('the crew page', () => {
  it('given a live link, then the page has the crew view, the member, and the checklist; a tick is recorded once', async () => {
    // Prepare
    const { context, sent, published } = memoryContext([alice, bob]);
    await sync(context, charterJob());
    const token = tokenIn(sent[0]!.body)!;

    // Act
    const ticked = await tickChecklistItem(context, token, 'safety-briefing', true);
    await tickChecklistItem(context, token, 'safety-briefing', true);

    // Assess
    expect(ticked?.you).toEqual({ firstName: 'Alice', role: 'captain' });
    expect(ticked?.checklist[0]).toEqual({
      itemId: 'safety-briefing',
      label: 'Safety briefing',
      done: true,
      by: 'Alice',
      at: now.toISOString(),
    });
    const ticks = published.filter((event) => event.detailType === 'CrewChecklistItemTicked');
    expect(ticks).toHaveLength(1);
    expect(ticks[0]?.detail.data).toEqual({
      jobId: 'qdn_01JCHARTER000000000000000',
      crewId: 'crew_a',
      itemId: 'safety-briefing',
      label: 'Safety briefing',
      done: true,
    });
    await expect(tickChecklistItem(context, token, 'no-such-item', true)).rejects.toThrow(
      'No such checklist item',
    );
  });

  it('given unknown, malformed or forged tokens, then there is no page', async () => {
    const { context } = memoryContext([alice, bob]);
    await sync(context, charterJob());
    for (const token of ['', 'short', 'x'.repeat(43), crewLinkToken('wrong secret', 'anything')]) {
      expect(await crewPage(context, token)).toBeUndefined();
    }
  });

  it('given a member deactivated since the link was sent, then the link shows nothing and ticks nothing', async () => {
    const { context, sent, published } = memoryContext([alice, bob]);
    await sync(context, charterJob());
    const token = tokenIn(sent[0]!.body)!;
    await context.roster.save({ ...alice, active: false });
    published.length = 0;

    expect(await crewPage(context, token)).toBeUndefined();
    expect(await tickChecklistItem(context, token, 'safety-briefing', true)).toBeUndefined();
    expect(context.charters.ticks.size).toBe(0);
    expect(published).toEqual([]);
  });

  it('given one address over its per-minute lookups or ticks, then 429 before anything is looked up or ticked', async () => {
    const { context, sent } = memoryContext([alice, bob]);
    await sync(context, charterJob());
    const token = tokenIn(sent[0]!.body)!;
    context.crewLinkLimits = { lookupsPerIpPerMinute: 3, ticksPerIpPerMinute: 1 };
    const phone = { sourceIp: '203.0.113.5' };

    expect(await tickChecklistItem(context, token, 'safety-briefing', true, phone)).toBeDefined();
    await expect(
      tickChecklistItem(context, token, 'life-jackets-counted', true, phone),
    ).rejects.toMatchObject({
      statusCode: 429,
      message: 'Too many checklist changes from this network; try again shortly',
    });
    expect(await crewPage(context, token, phone)).toBeDefined();
    await expect(crewPage(context, token, phone)).rejects.toMatchObject({
      statusCode: 429,
      message: 'Too many crew link requests from this network; try again shortly',
    });
    expect([...context.charters.ticks.keys()]).toEqual(['qdn_01JCHARTER000000000000000/safety-briefing']);
    // Another address is not affected.
    expect(await crewPage(context, token, { sourceIp: '203.0.113.6' })).toBeDefined();
  });

  it('given a link past its expiry, then there is no page', async () => {
    const { context, sent } = memoryContext([alice, bob]);
    await sync(context, charterJob());
    const later = memoryContext([alice, bob], new Date('2026-07-06T03:30:00.001Z'));
    const expired = { ...later.context, charters: context.charters, roster: context.roster };
    expect(await crewPage(expired, tokenIn(sent[0]!.body)!)).toBeUndefined();
  });
});

describe('a rotated crew-link secret', () => {
  const carol = member('crew_c', 'Carol Reef', 'deckhand', { phone: '+16195550173' });
  const rotate = (context: ReturnType<typeof memoryContext>['context']) => {
    context.linkSecret = async () => 'rotated-secret';
  };

  it('given links sent before the rotation, then each answers like an unknown link, page and tick alike', async () => {
    // Prepare
    const { context, sent } = memoryContext([alice, bob]);
    await sync(context, charterJob());
    const tokens = sent.map((message) => tokenIn(message.body)!);
    expect(await crewPage(context, tokens[0]!)).toBeDefined();

    // Act
    rotate(context);

    // Assess
    for (const token of tokens) {
      expect(await crewPage(context, token)).toBeUndefined();
      expect(await tickChecklistItem(context, token, 'safety-briefing', true)).toBeUndefined();
    }
    expect(context.charters.ticks.size).toBe(0);
  });

  it('given a rotation, then every link texted afterwards works (re-sent or new) and the old one stays dead', async () => {
    // Prepare
    const { context, sent } = memoryContext([alice, bob, carol]);
    await sync(context, charterJob());
    const before = tokenIn(sent[0]!.body)!;
    rotate(context);

    // Act: a reschedule re-texts Alice and Bob their links; Carol, added, gets a new one
    await sync(
      context,
      charterJob({
        version: 2,
        schedule: { date: '2026-07-05', time: '10:00' },
        crewIds: ['crew_a', 'crew_b', 'crew_c'],
      }),
    );

    // Assess
    const after = sent.slice(2);
    expect(after.map((message) => [message.crewId, message.kind])).toEqual([
      ['crew_a', 'rescheduled'],
      ['crew_b', 'rescheduled'],
      ['crew_c', 'assigned'],
    ]);
    const resent = tokenIn(after[0]!.body)!;
    expect(resent).not.toBe(before);
    for (const message of after) {
      const page = await crewPage(context, tokenIn(message.body)!);
      expect(page?.charter).toMatchObject({ date: '2026-07-05', time: '10:00' });
    }
    expect(await tickChecklistItem(context, resent, 'safety-briefing', true)).toBeDefined();
    expect(await crewPage(context, before)).toBeUndefined();
    // The old token's lookup is gone from the table, replaced by the re-sent one's.
    expect(context.charters.tokens.has(crewTokenHash(before))).toBe(false);
    expect(context.charters.tokens.get(crewTokenHash(resent))).toMatchObject({ crewId: 'crew_a' });
  });
});
