import { describe, expect, it } from '@jest/globals';
import { jobOnBus, testBrands } from '@qdn/local-cloud/test-factories';
import { NotFoundError, TransientError } from '@qdn/shared/errors';
import type { JobOnBus } from '@qdn/shared/events';
import {
  boardEntries,
  calendarFeed,
  type FeedContext,
  issueFeedKey,
  type PushContext,
  pushToInternalCalendar,
  recordCrewStatus,
  syncCalendarEntry,
} from '../../src/domain/calendar-commands.ts';
import type { CalendarEntry } from '../../src/domain/calendar-entry.ts';
import type { InternalCalendarChange } from '../../src/domain/internal-calendar.ts';
import type { CrewStatus, FeedKeyRecord, PushClaim, PushLedger } from '../../src/domain/ports.ts';

const brands = testBrands;

/** The shared job (@qdn/local-cloud/test-factories) as a timed junk removal at version 3. */
const job = (overrides: Partial<JobOnBus> = {}): JobOnBus =>
  jobOnBus({
    version: 3,
    serviceType: 'junk_removal',
    schedule: { date: '2026-08-10', time: '10:00' },
    ...overrides,
  });

/** The ledger's rules in memory: one lease at a time, versions only move up. */
function memoryLedger() {
  const state = new Map<string, { pushedVersion?: number; lease?: { token: string; until: number } }>();
  let tokens = 0;
  const ledger: PushLedger = {
    async claim(jobId, version, now, leaseMs): Promise<PushClaim> {
      const item = state.get(jobId) ?? {};
      if ((item.pushedVersion ?? -1) >= version) return { outcome: 'done' };
      if (item.lease && item.lease.until >= now.getTime()) return { outcome: 'busy' };
      const token = `lease-${++tokens}`;
      state.set(jobId, { ...item, lease: { token, until: now.getTime() + leaseMs } });
      return { outcome: 'claimed', leaseToken: token };
    },
    async complete(jobId, version, token) {
      const item = state.get(jobId)!;
      if (item.lease?.token === token) state.set(jobId, { pushedVersion: version });
    },
    async release(jobId, token) {
      const item = state.get(jobId)!;
      if (item.lease?.token === token) state.set(jobId, { pushedVersion: item.pushedVersion });
    },
  };
  return { ledger, state };
}

function pushContext(overrides: Partial<PushContext> = {}) {
  const sent: InternalCalendarChange[] = [];
  const { ledger, state } = memoryLedger();
  let clock = Date.parse('2026-08-01T12:00:00Z');
  const context: PushContext = {
    brands,
    internalCalendar: {
      async apply(change) {
        sent.push(change);
      },
    },
    ledger,
    now: () => new Date(clock),
    leaseMs: 7_000,
    sleep: async (ms) => {
      clock += ms;
    },
    ...overrides,
  };
  return { context, sent, state, advance: (ms: number) => (clock += ms) };
}

describe('push to the internal calendar', () => {
  it('given the same job version three times, then one request', async () => {
    // Prepare
    const { context, sent } = pushContext();

    // Act
    const outcomes = [];
    for (let delivery = 0; delivery < 3; delivery++) {
      outcomes.push(await pushToInternalCalendar(context, job(), '2026-08-01T11:00:00Z'));
    }

    // Assess
    expect(outcomes).toEqual(['pushed', 'already-pushed', 'already-pushed']);
    expect(sent).toEqual([expect.objectContaining({ kind: 'put', entryId: job().jobId })]);
  });

  it('given a newer version already pushed, when an older one arrives, then nothing is sent', async () => {
    const { context, sent } = pushContext();
    await pushToInternalCalendar(context, job({ version: 5 }), '2026-08-01T11:00:00Z');
    expect(await pushToInternalCalendar(context, job({ version: 4 }), '2026-08-01T10:00:00Z')).toBe(
      'already-pushed',
    );
    expect(sent).toHaveLength(1);
  });

  it('given a cancelled job, then its entry is deleted there', async () => {
    const { context, sent } = pushContext();
    await pushToInternalCalendar(context, job({ status: 'cancelled', version: 6 }), '2026-08-01T11:00:00Z');
    expect(sent).toEqual([{ kind: 'delete', entryId: job().jobId }]);
  });

  it('given no internal calendar configured, then pushing is off', async () => {
    const { context, state } = pushContext({ internalCalendar: undefined });
    expect(await pushToInternalCalendar(context, job(), '2026-08-01T11:00:00Z')).toBe('off');
    expect(state.size).toBe(0);
  });

  it('given the internal calendar fails, then the error goes back to SQS and the lease is freed for the retry', async () => {
    // Prepare
    const failing = pushContext({
      internalCalendar: {
        async apply() {
          throw new TransientError('Internal calendar answered 503');
        },
      },
    });

    // Act
    await expect(pushToInternalCalendar(failing.context, job(), '2026-08-01T11:00:00Z')).rejects.toThrow(
      TransientError,
    );

    // Assess
    expect(failing.state.get(job().jobId)).toEqual({ pushedVersion: undefined });
  });

  it('given another attempt holds the lease past the wait, then a transient error (SQS retries later)', async () => {
    const { context, sent } = pushContext();
    await context.ledger.claim(job().jobId, 3, context.now(), 60_000);
    await expect(pushToInternalCalendar(context, job(), '2026-08-01T11:00:00Z')).rejects.toThrow(/in flight/);
    expect(sent).toHaveLength(0);
  });

  it('given another attempt finishes while this one waits, then this one sends nothing', async () => {
    const { context, sent } = pushContext();
    const other = await context.ledger.claim(job().jobId, 3, context.now(), 7_000);
    const waiting = pushContext({
      ...context,
      sleep: async () => {
        if (other.outcome === 'claimed')
          await context.ledger.complete(job().jobId, 3, other.leaseToken, context.now());
      },
    });
    expect(await pushToInternalCalendar(waiting.context, job(), '2026-08-01T11:00:00Z')).toBe(
      'already-pushed',
    );
    expect(sent).toHaveLength(0);
  });
});

describe('moving a job’s calendar entry', () => {
  function syncContext(brandsSource = brands) {
    const saved: CalendarEntry[] = [];
    const context = {
      brands: brandsSource,
      entries: {
        save: async (entry: CalendarEntry) => {
          const older = saved.find((kept) => kept.jobId === entry.jobId && kept.version >= entry.version);
          if (older) return 'stale' as const;
          saved.push(entry);
          return 'saved' as const;
        },
        get: async () => undefined,
        list: async () => [],
      },
    };
    return { context, saved };
  }

  it('given a job event, then its entry is stored at that version; an older version changes nothing', async () => {
    const { context, saved } = syncContext();
    expect(await syncCalendarEntry(context, job({ version: 3 }), '2026-08-01T11:00:00Z')).toBe('saved');
    expect(await syncCalendarEntry(context, job({ version: 2 }), '2026-08-01T10:00:00Z')).toBe('stale');
    expect(saved.map((entry) => [entry.version, entry.changedAt])).toEqual([[3, '2026-08-01T11:00:00Z']]);
  });

  it('given a brand this function instance does not know yet, then a transient error (a retry reaches one that does) and nothing stored', async () => {
    const { context, saved } = syncContext();
    const refused = syncCalendarEntry(context, job({ brandId: 'harbor-tours' }), '2026-08-01T11:00:00Z');
    await expect(refused).rejects.toBeInstanceOf(TransientError);
    await expect(refused).rejects.toThrow("Brand harbor-tours is not in this function's brand configuration");
    expect(saved).toEqual([]);
  });

  it('given the brand configuration failing otherwise, then that error as it is', async () => {
    const broken = {
      ...brands,
      get: () => {
        throw new RangeError('brand catalog unreadable');
      },
    };
    const { context } = syncContext(broken);
    await expect(syncCalendarEntry(context, job(), '2026-08-01T11:00:00Z')).rejects.toBeInstanceOf(
      RangeError,
    );
  });
});

function feedContext() {
  const keys = new Map<string, FeedKeyRecord>();
  const crew = new Map<string, CrewStatus>();
  const listed: { calendarId: string; from: string; to?: string }[] = [];
  const context: FeedContext = {
    brands,
    entries: {
      save: async () => 'saved',
      get: async () => undefined,
      async list(calendarId, range) {
        listed.push({ calendarId, from: range.from.toISOString(), to: range.to?.toISOString() });
        return [] as CalendarEntry[];
      },
    },
    feedKeys: {
      put: async (record) => {
        keys.set(record.calendarId, record);
      },
      get: async (calendarId) => keys.get(calendarId),
    },
    crewStatus: {
      async record(status) {
        if ((crew.get(status.crewId)?.changedAt ?? '') > status.changedAt) return false;
        crew.set(status.crewId, status);
        return true;
      },
      get: async (crewId) => crew.get(crewId),
    },
    now: () => new Date('2026-08-01T12:00:00Z'),
    apiBaseUrl: 'https://api.example.com/',
  };
  return { context, keys, listed };
}

describe('feed keys and feeds', () => {
  it('given an issued key, then its URL opens the feed; a second key revokes the first', async () => {
    // Prepare
    const { context, keys } = feedContext();

    // Act
    const first = await issueFeedKey(context, 'crew-crew-7', 'admin-1');
    const second = await issueFeedKey(context, 'crew-crew-7', 'admin-1');

    // Assess
    expect(first.url).toBe(`https://api.example.com/calendars/crew-crew-7/feed.ics?key=${first.feedKey}`);
    expect(JSON.stringify([...keys.values()])).not.toContain(second.feedKey);
    expect(await calendarFeed(context, 'crew-crew-7', first.feedKey)).toBeUndefined();
    expect(await calendarFeed(context, 'crew-crew-7', second.feedKey)).toContain('BEGIN:VCALENDAR');
  });

  it('given the crew member deactivated, then their calendar has no feed until reactivated; older news changes nothing', async () => {
    // Given a live key for crew-7's calendar and one for the dispatch calendar
    const { context } = feedContext();
    const crew = await issueFeedKey(context, 'crew-crew-7', 'admin-1');
    const dispatch = await issueFeedKey(context, 'dispatch', 'admin-1');

    // When the roster says crew-7 is inactive (and a late, older "active" arrives after)
    const at = (time: string) => `2026-08-01T${time}:00.000Z`;
    expect(await recordCrewStatus(context, { crewId: 'crew-7', active: false, changedAt: at('10:00') })).toBe(
      'recorded',
    );
    expect(await recordCrewStatus(context, { crewId: 'crew-7', active: true, changedAt: at('09:00') })).toBe(
      'stale',
    );

    // Then their feed is gone, other calendars are not
    expect(await calendarFeed(context, 'crew-crew-7', crew.feedKey)).toBeUndefined();
    expect(await calendarFeed(context, 'dispatch', dispatch.feedKey)).toContain('BEGIN:VCALENDAR');
    await recordCrewStatus(context, { crewId: 'crew-7', active: true, changedAt: at('11:00') });
    expect(await calendarFeed(context, 'crew-crew-7', crew.feedKey)).toContain('BEGIN:VCALENDAR');
  });

  it('given a key of another calendar, an unknown calendar or no key, then no feed', async () => {
    const { context } = feedContext();
    const { feedKey } = await issueFeedKey(context, 'dispatch', 'admin-1');
    expect(await calendarFeed(context, 'crew-x', feedKey)).toBeUndefined();
    expect(await calendarFeed(context, 'not a calendar', feedKey)).toBeUndefined();
    expect(await calendarFeed(context, 'dispatch', undefined)).toBeUndefined();
  });

  it('given an unknown brand or a malformed id, then no key is issued', async () => {
    const { context } = feedContext();
    await expect(issueFeedKey(context, 'brand-nope', 'admin-1')).rejects.toThrow(NotFoundError);
    await expect(issueFeedKey(context, '../dispatch', 'admin-1')).rejects.toThrow(NotFoundError);
  });

  it('given a board range, then it covers whole days in Los Angeles', async () => {
    const { context, listed } = feedContext();
    await boardEntries(context, { from: '2026-07-01', to: '2026-07-07', calendarId: 'dispatch' });
    expect(listed).toEqual([
      { calendarId: 'dispatch', from: '2026-07-01T07:00:00.000Z', to: '2026-07-08T07:00:00.000Z' },
    ]);
  });
});
