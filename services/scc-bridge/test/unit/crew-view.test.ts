import { describe, expect, it } from '@jest/globals';
import type { JobOnBus } from '@qdn/shared/events';
import { charterTimes, crewLinkExpiry, zonedInstant } from '../../src/domain/charter-time.ts';
import { checklistItemId, checklistOf, checklistTemplate } from '../../src/domain/checklist.ts';
import { crewLinkToken, crewTokenHash, looksLikeCrewToken, newLinkId } from '../../src/domain/crew-link.ts';
import { CreateCrewMemberInput, UpdateCrewMemberInput } from '../../src/domain/crew-member.ts';
import { clockOf, crewSmsBody, dayOf, MAX_CREW_SMS_LENGTH } from '../../src/domain/crew-sms.ts';
import { CrewView, crewViewOf, sccEventOf } from '../../src/domain/crew-view.ts';
import { brands, charterJob, jada, member } from './factories.ts';

const crew = [member('crew_a', 'Alice Marin', 'captain'), member('crew_b', 'Bob Keel')];

describe('crew view', () => {
  it('given a charter job, when viewed by the crew, then it has the crew-facing details in the brand time zone', () => {
    // Act
    const view = crewViewOf(charterJob(), jada, crew);

    // Assess
    expect(view).toEqual({
      brandName: 'JADA Sail Charters',
      eventName: 'Private sail charter - Ana',
      date: '2026-07-04',
      time: '17:30',
      endDate: '2026-07-04',
      endTime: '20:30',
      timeZone: 'America/Los_Angeles',
      meetingPoint: 'Dock C',
      vessel: 'JADA',
      guestCount: 6,
      notes: 'Birthday party, cake on board',
      crew: [
        { firstName: 'Alice', role: 'captain' },
        { firstName: 'Bob', role: 'deckhand' },
      ],
    });
  });

  it('given a job carrying fields it should not (revenue, fee, internal notes, the dispatcher’s notes), when viewed, then none of them appear', () => {
    // Prepare: a producer bug smuggles private fields onto the job
    const leaky = {
      ...charterJob(),
      revenueSplit: '63/37 owner',
      captainFeeCents: 43210,
      internalNotes: 'VIP comp 9911',
      private: { revenueSplit: '63/37 owner' },
    } as unknown as JobOnBus;

    // Act
    const view = crewViewOf(leaky, jada, crew);
    const scc = sccEventOf(view, leaky.jobId, ['crew_a', 'crew_b']);

    // Assess
    const text = JSON.stringify({ view, scc });
    for (const forbidden of [
      'revenueSplit',
      '63/37',
      'captainFee',
      '43210',
      'internalNotes',
      '9911',
      'priceCents',
      '187654',
      'phone',
      '+16195550150',
      'Gate code',
      '4471',
      '555-0199',
    ]) {
      expect(text).not.toContain(forbidden);
    }
  });

  it('given an extra field, when parsed as a crew view, then the strict schema refuses it', () => {
    const view = crewViewOf(charterJob(), jada, crew);
    expect(CrewView.safeParse({ ...view, priceCents: 1 }).success).toBe(false);
  });

  it('given the crew view, when sent to SCC, then it has the seed fields (eventName, eventDate, eventTime, notes, crewIds)', () => {
    const scc = sccEventOf(crewViewOf(charterJob(), jada, crew), 'job-1', ['crew_a', 'crew_b']);
    expect(scc).toMatchObject({
      externalId: 'job-1',
      eventName: 'Private sail charter - Ana',
      eventDate: '2026-07-04',
      eventTime: '17:30',
      notes: 'Vessel: JADA\nMeet at: Dock C\nGuests: 6\nBirthday party, cake on board',
      crewIds: ['crew_a', 'crew_b'],
    });
  });
});

describe('a bare crew view', () => {
  it('given a charter with no details, no time, blank crew notes and a service the brand no longer lists, then only what exists', () => {
    const view = crewViewOf(
      charterJob({
        serviceType: 'sunset_cruise',
        schedule: { date: '2026-07-04' },
        charter: undefined,
        crewNotes: '  ',
      }),
      jada,
      [],
    );
    expect(view).toEqual({
      brandName: 'JADA Sail Charters',
      eventName: 'sunset_cruise - Ana',
      date: '2026-07-04',
      endDate: '2026-07-04',
      timeZone: 'America/Los_Angeles',
      crew: [],
    });
    expect(sccEventOf(view, 'job-1', [])).toEqual({
      externalId: 'job-1',
      eventName: 'sunset_cruise - Ana',
      eventDate: '2026-07-04',
      endDate: '2026-07-04',
      timeZone: 'America/Los_Angeles',
      notes: '',
      crewIds: [],
      crew: [],
    });
  });
});

describe('charter times', () => {
  it('given a time and a duration, then the charter ends after it, as an instant in the brand time zone', () => {
    const times = charterTimes(charterJob(), jada);
    // 20:30 PDT (UTC-7) on July 4th
    expect(times).toMatchObject({
      endDate: '2026-07-04',
      endTime: '20:30',
      endsAt: '2026-07-05T03:30:00.000Z',
    });
    expect(crewLinkExpiry(times)).toBe('2026-07-06T03:30:00.000Z');
  });

  it('given a window and no time, then the window start is the start time', () => {
    const times = charterTimes(charterJob({ schedule: { date: '2026-12-05', window: 'sunset' } }), jada);
    // 17:00 + 180 min = 20:00 PST (UTC-8)
    expect(times).toMatchObject({ time: '17:00', endTime: '20:00', endsAt: '2026-12-06T04:00:00.000Z' });
  });

  it('given a window and no charter details, then it lasts the window; given a time alone, then it ends when it starts', () => {
    expect(
      charterTimes(
        charterJob({ schedule: { date: '2026-12-05', window: 'morning' }, charter: undefined }),
        jada,
      ),
    ).toMatchObject({ time: '09:00', endTime: '13:00' });
    expect(
      charterTimes(charterJob({ schedule: { date: '2026-12-05', time: '10:00' }, charter: undefined }), jada),
    ).toMatchObject({ time: '10:00', endTime: '10:00', endsAt: '2026-12-05T18:00:00.000Z' });
  });

  it('given a late charter, then it may end the next day', () => {
    const times = charterTimes(charterJob({ schedule: { date: '2026-07-04', time: '22:00' } }), jada);
    expect(times).toMatchObject({ endDate: '2026-07-05', endTime: '01:00' });
  });

  it('given no time at all, then it ends at the end of its (last) day', () => {
    const times = charterTimes(
      charterJob({ schedule: { date: '2026-07-04', endDate: '2026-07-06' }, charter: undefined }),
      jada,
    );
    expect(times).toEqual({
      date: '2026-07-04',
      endDate: '2026-07-06',
      endsAt: '2026-07-07T07:00:00.000Z',
    });
  });

  it('given wall-clock times on both sides of a DST change, then the offset follows the date', () => {
    expect(
      new Date(zonedInstant(Date.parse('2026-03-07T12:00:00Z'), 'America/Los_Angeles')).toISOString(),
    ).toBe('2026-03-07T20:00:00.000Z');
    expect(
      new Date(zonedInstant(Date.parse('2026-03-09T12:00:00Z'), 'America/Los_Angeles')).toISOString(),
    ).toBe('2026-03-09T19:00:00.000Z');
  });
});

describe('crew links', () => {
  it('given a link id, then its token is 256 bits of base64url, stable for the same secret and id', () => {
    const linkId = newLinkId();
    const token = crewLinkToken('secret', linkId);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(crewLinkToken('secret', linkId)).toBe(token);
    expect(crewLinkToken('other secret', linkId)).not.toBe(token);
    expect(crewLinkToken('secret', newLinkId())).not.toBe(token);
    expect(Buffer.from(linkId, 'base64url')).toHaveLength(16);
  });

  it('given a token, then only its hash is what the table keeps, and the hash is not the token', () => {
    const token = crewLinkToken('secret', 'link-1');
    expect(crewTokenHash(token)).not.toContain(token);
    expect(crewTokenHash(token)).toBe(crewTokenHash(token));
  });

  it.each([
    ['', false],
    ['x'.repeat(42), false],
    ['x'.repeat(44), false],
    [`${'x'.repeat(42)}!`, false],
    [`${'x'.repeat(42)}.`, false],
    [crewLinkToken('s', 'l'), true],
  ])('looksLikeCrewToken(%j) is %s', (token, expected) => {
    expect(looksLikeCrewToken(token)).toBe(expected);
  });
});

describe('crew SMS', () => {
  const view = crewViewOf(charterJob(), jada, crew);
  const url = `https://sailjada.example/crew/${'A'.repeat(43)}`;

  it('given an assignment, then the text speaks in the brand voice with the details and the link', () => {
    const body = crewSmsBody({ kind: 'assigned', brand: jada, member: crew[0]!, view, url });
    expect(body).toBe(
      `JADA Sail Charters: Hi Alice, you're captain for the charter aboard JADA on Sat, Jul 4 at 5:30 pm, meet at Dock C. Details and checklist: ${url} - JADA`,
    );
  });

  it('given a cancellation, then there is no link (it no longer opens)', () => {
    const body = crewSmsBody({ kind: 'cancelled', brand: jada, member: crew[1]!, view });
    expect(body).toBe(
      'JADA Sail Charters: Hi Bob, the charter aboard JADA on Sat, Jul 4 is cancelled. Your crew link no longer works. - JADA',
    );
  });

  it.each(['assigned', 'rescheduled', 'cancelled', 'unassigned'] as const)(
    'given very long names (%s), then the text still fits 320 characters and keeps the link and sign-off',
    (kind) => {
      const long = crewViewOf(
        charterJob({
          charter: {
            vessel: 'V'.repeat(200),
            meetingPoint: 'M'.repeat(200),
            guestCount: 6,
            durationMinutes: 60,
          },
        }),
        jada,
        crew,
      );
      const body = crewSmsBody({
        kind,
        brand: jada,
        member: member('crew_z', `${'Z'.repeat(80)} Long`, 'r'.repeat(40)),
        view: long,
        url,
      });
      expect(body.length).toBeLessThanOrEqual(MAX_CREW_SMS_LENGTH);
      expect(body).toContain(jada.smsSignOff);
      if (kind === 'assigned' || kind === 'rescheduled') expect(body).toContain(url);
    },
  );

  it('given an assignment or a reschedule without a link, then it is refused rather than sent without one', () => {
    expect(() => crewSmsBody({ kind: 'assigned', brand: jada, member: crew[0]!, view })).toThrow(
      'A assigned message needs a link',
    );
    expect(() => crewSmsBody({ kind: 'rescheduled', brand: jada, member: crew[0]!, view })).toThrow(
      'A rescheduled message needs a link',
    );
  });

  it('given a charter with no vessel and no meeting point, then "the charter"', () => {
    const bare = crewViewOf(
      charterJob({ charter: undefined, schedule: { date: '2026-07-04', time: '17:30' } }),
      jada,
      crew,
    );
    expect(crewSmsBody({ kind: 'unassigned', brand: jada, member: crew[1]!, view: bare })).toBe(
      "JADA Sail Charters: Hi Bob, you're no longer on the crew for the charter on Sat, Jul 4 at 5:30 pm. Thanks! - JADA",
    );
  });

  it('given a link so long that no template fits, then the short form with the link; longer still, then refused', () => {
    const longUrl = `https://sailjada.example/crew/${'A'.repeat(190)}`;
    expect(crewSmsBody({ kind: 'assigned', brand: jada, member: crew[0]!, view, url: longUrl })).toBe(
      `JADA Sail Charters: charter crew update on Sat, Jul 4 at 5:30 pm. ${longUrl} - JADA`,
    );
    expect(() =>
      crewSmsBody({
        kind: 'assigned',
        brand: jada,
        member: crew[0]!,
        view,
        url: `${longUrl}${'A'.repeat(60)}`,
      }),
    ).toThrow('The crew link is too long for an SMS');
  });

  it('formats days and times as people say them', () => {
    expect(dayOf('2026-12-05')).toBe('Sat, Dec 5');
    expect(clockOf('17:30')).toBe('5:30 pm');
    expect(clockOf('09:00')).toBe('9 am');
    expect(clockOf('00:15')).toBe('12:15 am');
    expect(clockOf('12:00')).toBe('12 pm');
  });
});

describe('checklist', () => {
  it("given the brand's charter template, then items have stable ids and show what was ticked", () => {
    const template = checklistTemplate(jada, 'charter');
    expect(template.map((item) => item.itemId)).toEqual([
      'safety-briefing',
      'life-jackets-counted',
      'fuel-and-water-checked',
      'guest-list-confirmed',
    ]);
    expect(
      checklistOf(template, [
        {
          itemId: 'safety-briefing',
          done: true,
          byCrewId: 'crew_a',
          byFirstName: 'Alice',
          at: '2026-07-04T23:00:00.000Z',
          revision: 1,
        },
      ]).slice(0, 2),
    ).toEqual([
      {
        itemId: 'safety-briefing',
        label: 'Safety briefing',
        done: true,
        by: 'Alice',
        at: '2026-07-04T23:00:00.000Z',
      },
      { itemId: 'life-jackets-counted', label: 'Life jackets counted', done: false },
    ]);
    expect(checklistItemId('  Ice & drinks!! ')).toBe('ice-drinks');
    expect(checklistTemplate(brands.get('qdn'), 'charter')).toEqual([]);
  });
});

describe('roster input', () => {
  it('given a well-formed member, then the phone is normalised to E.164 and the role lower-cased', () => {
    expect(
      CreateCrewMemberInput.parse({ name: 'Alice Marin', phone: '(619) 555-0177', role: 'Captain' }),
    ).toEqual({
      name: 'Alice Marin',
      phone: '+16195550177',
      role: 'captain',
      active: true,
    });
  });

  it('given a malformed member, then every bad field is named', () => {
    const result = CreateCrewMemberInput.safeParse({
      name: '',
      phone: '12',
      role: '7',
      email: 'x',
      extra: 1,
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.') || issue.code).sort()).toEqual(
      ['email', 'name', 'phone', 'role', 'unrecognized_keys'].sort(),
    );
    expect(UpdateCrewMemberInput.safeParse({}).success).toBe(false);
  });
});
