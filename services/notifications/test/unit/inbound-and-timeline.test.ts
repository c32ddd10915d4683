import { describe, expect, it } from '@jest/globals';
import { jobOnBus, testBrands } from '@qdn/local-cloud/test-factories';
import { parseBusEvent } from '@qdn/shared/events';
import { jobRef, keywordOf, parseTeamReply, relayText, replyJobOf } from '../../src/domain/inbound.ts';
import { inboundFromWebhook } from '../../src/domain/inbound-schema.ts';
import type { JobSnapshot, TimelineEntry } from '../../src/domain/ports.ts';
import {
  customerThread,
  dashboardTimeline,
  deliveryRank,
  timelineEntryFor,
  trackingLinkOf,
} from '../../src/domain/timeline.ts';

const brands = testBrands;

describe('keywords', () => {
  it.each([
    ['STOP', 'stop'],
    ['  stop ', 'stop'],
    ['Stop.', 'stop'],
    ['STOPALL', 'stop'],
    ['unsubscribe', 'stop'],
    ['Cancel', 'stop'],
    ['end', 'stop'],
    ['QUIT', 'stop'],
    ['start', 'start'],
    ['Yes', 'start'],
    ['UNSTOP', 'start'],
    ['help', 'help'],
    ['HELP!', 'help'],
    ['REVOKE', 'stop'],
    ['optout', 'stop'],
    ['"Stop"', 'stop'],
    ['¡STOP!', 'stop'],
    ['Info?', 'help'],
  ])('%j is %s', (body, keyword) => {
    expect(keywordOf(body)).toBe(keyword);
  });

  it.each(['stop by at 3 please', 'Please cancel my job', 'yes we are home', '', 'stopp'])(
    '%j is not a keyword (only a message that is the keyword counts)',
    (body) => {
      expect(keywordOf(body)).toBeUndefined();
    },
  );
});

describe('team replies', () => {
  it('references a job by # and the last 6 characters of its id, any case', () => {
    expect(jobRef('qdn_01JDEMO00000000000000ABC123')).toBe('ABC123');
    expect(parseTeamReply('#abc123 Running 10 min late')).toEqual({
      ref: 'ABC123',
      text: 'Running 10 min late',
    });
    expect(parseTeamReply('  #ABC123: see you soon')).toEqual({ ref: 'ABC123', text: 'see you soon' });
  });

  it.each(['ABC123 no hash', '#ABC12 too short', '#ABC123', 'hello'])(
    '%j is not a reply to a customer',
    (body) => {
      expect(parseTeamReply(body)).toBeUndefined();
    },
  );
});

describe('relay text', () => {
  const brand = brands.get('qdn');
  const sms = {
    messageSid: `SM${'a'.repeat(32)}`,
    from: '+16195550142',
    to: '+15005550006',
    body: 'Gate code is 4411',
    mediaUrls: [] as string[],
    receivedAt: '2026-11-22T10:00:00Z',
  };

  it('names the customer, the job, its status and street, and how to answer', () => {
    const text = relayText(brand, sms, {
      jobId: 'qdn_01JDEMO00000000000000ABC123',
      brandId: 'qdn',
      version: 3,
      status: 'en_route',
      serviceType: 'junk_removal',
      firstName: 'Mark',
      phone: sms.from,
      addressText: '4521 Soderblom Ave, San Diego, CA',
      date: '2026-12-01',
    });
    expect(text).toBe(
      'QuickDumpNow reply from Mark (job qdn_01JDEMO00000000000000ABC123, en route, 4521 Soderblom Ave): Gate code is 4411 - answer with #ABC123 and your text',
    );
  });

  it('marks an unknown sender and keeps MMS links', () => {
    const text = relayText(brand, { ...sms, mediaUrls: ['https://api.twilio.com/media/ME1'] }, undefined);
    expect(text).toBe(
      'QuickDumpNow reply from unknown sender +16195550142: Gate code is 4411 [1 attachment(s): https://api.twilio.com/media/ME1]',
    );
  });
});

describe('inbound webhook parameters', () => {
  it('keeps MMS media URLs and refuses a malformed sender', () => {
    const parsed = inboundFromWebhook(
      {
        MessageSid: `MM${'b'.repeat(32)}`,
        From: '+16195550142',
        To: '+15005550006',
        Body: '',
        NumMedia: '2',
        MediaUrl0: 'https://api.twilio.com/m/0',
        MediaUrl1: 'https://api.twilio.com/m/1',
      },
      new Date('2026-11-22T10:00:00Z'),
    );
    expect(parsed.success && parsed.data.mediaUrls).toEqual([
      'https://api.twilio.com/m/0',
      'https://api.twilio.com/m/1',
    ]);
    expect(
      inboundFromWebhook({ MessageSid: `SM${'c'.repeat(32)}`, From: 'not-a-number' }, new Date()).success,
    ).toBe(false);
  });
});

describe('delivery status ranks', () => {
  it('only moves forward: queued < sent < delivered; failed and undelivered are final', () => {
    expect(deliveryRank('queued')).toBeLessThan(deliveryRank('sent'));
    expect(deliveryRank('sent')).toBeLessThan(deliveryRank('delivered'));
    expect(deliveryRank('delivered')).toBeLessThan(deliveryRank('failed'));
    expect(deliveryRank('undelivered')).toBe(deliveryRank('failed'));
    expect(deliveryRank('something-new')).toBe(0);
  });
});

/** An EventBridge envelope around a detail, as a rule delivers it. */
const envelope = (detailType: string, detail: unknown) =>
  parseBusEvent({
    version: '0',
    id: `evt-${detailType}`,
    source: 'qdn.notifications',
    account: '000000000000',
    time: '2026-11-22T10:00:00Z',
    region: 'us-west-2',
    resources: [],
    'detail-type': detailType,
    detail,
  });

describe('timeline', () => {
  const meta = (eventId: string, occurredAt: string) => ({
    eventId,
    occurredAt,
    brandId: 'qdn',
    jobId: 'qdn_1',
    version: 1,
    correlationId: eventId,
  });
  const sent = timelineEntryFor(
    envelope('SmsSent', {
      meta: meta('e2', '2026-11-22T10:00:02Z'),
      data: {
        messageSid: 'SM1',
        to: '+16195550142',
        template: 'scheduled',
        body: 'Hi Mark',
        status: 'queued',
      },
    }),
  )!;
  const toTeam = {
    ...sent,
    eventId: 'e3',
    messageSid: 'SM2',
    audience: 'team',
    body: 'relay',
    at: '2026-11-22T10:00:03Z',
  };
  const reply = timelineEntryFor(
    envelope('SmsReceived', {
      meta: meta('e4', '2026-11-22T10:00:04Z'),
      data: { messageSid: 'SM3', from: '+16195550142', body: 'Thanks' },
    }),
  )!;
  const created: TimelineEntry = {
    jobId: 'qdn_1',
    at: '2026-11-22T10:00:01Z',
    type: 'JobCreated',
    eventId: 'e1',
  };

  it('orders entries by time and shows each SMS with its latest delivery status', () => {
    const entries = dashboardTimeline(
      [reply, sent, created],
      new Map([['SM1', { messageSid: 'SM1', status: 'delivered' }]]),
    );
    expect(entries.map((entry) => entry.type)).toEqual(['JobCreated', 'SmsSent', 'SmsReceived']);
    expect(entries[1]).toMatchObject({ messageSid: 'SM1', direction: 'outbound', status: 'delivered' });
    expect(entries[2]).toMatchObject({ direction: 'inbound', audience: 'customer' });
  });

  it("gives the customer their own messages only, never the team's relays", () => {
    expect(customerThread([toTeam, reply, sent, created], new Map())).toEqual([
      { at: '2026-11-22T10:00:02Z', direction: 'outbound', body: 'Hi Mark', status: 'queued' },
      { at: '2026-11-22T10:00:04Z', direction: 'inbound', body: 'Thanks', status: 'received' },
    ]);
  });

  it('given a job created with consent, an edit recording a new one, and one without, then each shows how the customer agreed (or that nobody did); other edits do not', () => {
    const created = timelineEntryFor(
      envelope('JobCreated', { meta: meta('c1', '2026-11-22T10:00:00Z'), data: { job: jobOnBus() } }),
    )!;
    const renumbered = timelineEntryFor(
      envelope('JobDetailsChanged', {
        meta: meta('c2', '2026-11-22T10:05:00Z'),
        data: { job: jobOnBus({ smsConsent: undefined }), changedFields: ['customer', 'smsConsent'] },
      }),
    )!;
    const noted = timelineEntryFor(
      envelope('JobDetailsChanged', {
        meta: meta('c3', '2026-11-22T10:06:00Z'),
        data: { job: jobOnBus(), changedFields: ['notes'] },
      }),
    )!;

    expect(created.smsConsent).toEqual({
      phone: '+16195550142',
      source: 'dispatcher',
      statement: 'Customer asked by phone for texts about this job',
      at: '2026-11-28T10:00:00.000Z',
      by: 'dispatcher-1',
    });
    expect(renumbered.smsConsent).toBe('none');
    expect(noted).not.toHaveProperty('smsConsent');
  });

  it('given an SMS body with a live tracking link (an event from before links travelled by id), then the entry keeps it redacted', () => {
    const entry = timelineEntryFor(
      envelope('SmsSent', {
        meta: meta('e6', '2026-11-22T10:00:06Z'),
        data: {
          messageSid: 'SM6',
          to: '+16195550142',
          template: 'scheduled',
          body: 'Hi Mark. Track: https://quickdumpnow.com/track/AbCdEfGhIjKlMnOpQrStUvWxYz012345 - QDN',
          status: 'queued',
        },
      }),
    )!;
    expect(entry.body).toBe('Hi Mark. Track: https://quickdumpnow.com/track/[link] - QDN');
  });

  it("given a rotation or a job snapshot, then it names the job's tracking link at that version", () => {
    expect(
      trackingLinkOf(
        envelope('TrackingLinkIssued', {
          meta: { ...meta('e7', '2026-11-22T10:00:07Z'), version: 4 },
          data: { jobId: 'qdn_1', linkId: 'L2' },
        }),
      ),
    ).toEqual({ jobId: 'qdn_1', linkId: 'L2', version: 4 });
    expect(
      trackingLinkOf(
        envelope('SmsReceived', {
          meta: meta('e8', '2026-11-22T10:00:08Z'),
          data: { messageSid: 'SM8', from: '+16195550142', body: 'hi' },
        }),
      ),
    ).toBeUndefined();
  });

  it('skips events about no job', () => {
    expect(
      timelineEntryFor(
        envelope('SmsReceived', {
          meta: { ...meta('e5', '2026-11-22T10:00:05Z'), jobId: undefined },
          data: { messageSid: 'SM9', from: '+16195550199', body: 'who is this' },
        }),
      ),
    ).toBeUndefined();
  });
});

describe('which job a reply is about', () => {
  const brand = brands.get('qdn');
  const sms = {
    messageSid: `SM${'b'.repeat(32)}`,
    from: '+16195550142',
    to: '+15005550006',
    body: 'Which one?',
    mediaUrls: [] as string[],
    receivedAt: '2026-12-03T10:00:00Z',
  };
  const snapshot = (jobId: string, status: JobSnapshot['status'], date: string): JobSnapshot => ({
    jobId,
    brandId: 'qdn',
    version: 1,
    status,
    serviceType: 'trailer_pickup_and_dump',
    firstName: 'Mark',
    phone: '+16195550142',
    addressText: `${jobId} Soderblom Ave, San Diego`,
    date,
  });
  const today = '2026-12-03';

  it.each([
    [
      'a requested booking never wins over a confirmed job',
      [snapshot('b', 'requested', '2027-09-01'), snapshot('a', 'scheduled', '2026-12-10')],
      'a',
    ],
    ['a requested booking alone is no job', [snapshot('b', 'requested', '2026-12-04')], undefined],
    [
      'a job under way wins over a confirmed one',
      [snapshot('a', 'scheduled', '2026-12-03'), snapshot('c', 'en_route', '2026-12-03')],
      'c',
    ],
    [
      'the next confirmed job wins over a later one',
      [snapshot('a', 'scheduled', '2026-12-20'), snapshot('d', 'scheduled', '2026-12-05')],
      'd',
    ],
    [
      'a recently completed job counts',
      [snapshot('e', 'complete', '2026-11-28'), snapshot('f', 'cancelled', '2026-12-02')],
      'e',
    ],
    ['a long-completed job does not', [snapshot('e', 'complete', '2026-10-01')], undefined],
  ])('given %s', (_case, jobs, expected) => {
    expect(replyJobOf(jobs, today).job?.jobId).toBe(expected);
  });

  it('given two jobs under way, then it is ambiguous and the relay says which ones', () => {
    const jobs = [snapshot('qdn_AAAAAA', 'en_route', today), snapshot('qdn_BBBBBB', 'arrived', today)];
    const choice = replyJobOf(jobs, today);
    expect(choice.job).toBeUndefined();
    expect(choice.ambiguous.map((job) => job.jobId)).toEqual(['qdn_AAAAAA', 'qdn_BBBBBB']);
    expect(relayText(brand, sms, undefined, choice.ambiguous)).toContain(
      'not sure which job: #AAAAAA qdn_AAAAAA Soderblom Ave, #BBBBBB qdn_BBBBBB Soderblom Ave',
    );
  });
});

describe('timeline entries of every kind', () => {
  const meta = (eventId: string, overrides: Record<string, unknown> = {}) => ({
    eventId,
    occurredAt: '2026-11-22T10:00:00Z',
    brandId: 'qdn',
    jobId: 'qdn_1',
    correlationId: eventId,
    ...overrides,
  });

  it('given a job event, then its status, actor and version, and no direction', () => {
    const entry = timelineEntryFor(
      envelope('JobStatusChanged', {
        meta: meta('j1', { version: 3, actor: 'driver-1' }),
        data: {
          job: jobOnBus({ jobId: 'qdn_1', version: 3, status: 'en_route' }),
          previousStatus: 'scheduled',
          status: 'en_route',
        },
      }),
    );
    expect(entry).toEqual({
      jobId: 'qdn_1',
      at: '2026-11-22T10:00:00Z',
      type: 'JobStatusChanged',
      eventId: 'j1',
      actor: 'driver-1',
      version: 3,
      status: 'en_route',
      previousStatus: 'scheduled',
      correction: false,
      undo: false,
    });
  });

  it('given an SMS that was never sent (suppressed), then no direction and no version', () => {
    const entry = timelineEntryFor(
      envelope('SmsSuppressed', {
        meta: meta('s1'),
        data: { to: '+16195550142', template: 'on_the_way', reason: 'opted-out' },
      }),
    )!;
    expect(entry).not.toHaveProperty('direction');
    expect(entry).not.toHaveProperty('version');
    expect(entry).toMatchObject({ type: 'SmsSuppressed', reason: 'opted-out', audience: 'customer' });
  });

  it('given a rotation that names its job only in the data, or a job snapshot with a link, then the link at that version', () => {
    expect(
      trackingLinkOf(
        envelope('TrackingLinkIssued', {
          meta: meta('t1', { jobId: undefined, version: 5 }),
          data: { jobId: 'qdn_2', linkId: 'L5' },
        }),
      ),
    ).toEqual({ jobId: 'qdn_2', linkId: 'L5', version: 5 });
    expect(
      trackingLinkOf(
        envelope('JobCreated', {
          meta: meta('t2', { version: 1 }),
          data: { job: jobOnBus({ jobId: 'qdn_3', version: 1, trackingLinkId: 'L1' }) },
        }),
      ),
    ).toEqual({ jobId: 'qdn_3', linkId: 'L1', version: 1 });
  });

  it('given entries at the same instant, then by version, then by event id; a failed delivery shows its error code', () => {
    const at = '2026-11-22T10:00:00Z';
    const entries: TimelineEntry[] = [
      { jobId: 'qdn_1', at, type: 'SmsSent', eventId: 'e-b', version: 2, messageSid: 'SM1' },
      { jobId: 'qdn_1', at, type: 'JobDetailsChanged', eventId: 'e-c' },
      { jobId: 'qdn_1', at, type: 'JobStatusChanged', eventId: 'e-a', version: 2 },
      { jobId: 'qdn_1', at, type: 'JobCreated', eventId: 'e-d', version: 1 },
    ];
    const ordered = dashboardTimeline(
      entries,
      new Map([['SM1', { messageSid: 'SM1', status: 'undelivered', errorCode: '30003' }]]),
    );
    expect(ordered.map((entry) => entry.eventId)).toEqual(['e-c', 'e-d', 'e-a', 'e-b']);
    expect(ordered[3]).toMatchObject({ status: 'undelivered', errorCode: '30003' });
  });
});
