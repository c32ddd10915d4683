import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { brandsFrom } from '@qdn/shared/brands';
import type { JobOnBus } from '@qdn/shared/events';
import { countSegments } from '../../src/domain/sms-segments.ts';
import {
  MAX_SEGMENTS,
  renderSms,
  type SmsTemplateId,
  templateForEvent,
  variablesFor,
} from '../../src/domain/sms-templates.ts';

const brands = brandsFrom(
  JSON.parse(readFileSync(new URL('../../../../shared/config/brands.local.json', import.meta.url), 'utf8')),
);

const job = (overrides: Partial<JobOnBus> = {}): JobOnBus => ({
  jobId: 'qdn_01JDEMO0000000000000000000',
  brandId: 'qdn',
  version: 2,
  status: 'scheduled',
  serviceType: 'trailer_pickup_and_dump',
  customer: { name: 'Mark Soderblom', firstName: 'Mark', phone: '+16195550142' },
  address: { text: 'Soderblom Ave' },
  schedule: { date: '2026-12-01', window: 'afternoon' },
  crewIds: [],
  priceCents: 60000,
  trackingLinkId: 'link-1',
  ...overrides,
});
/** The link the sms consumer rebuilds from the job's link id (events carry no token). */
const trackingUrl = 'http://localhost:3001/track/AbCdEfGhIjKlMnOpQrStUvWxYz012345';

describe('segment counting', () => {
  it.each([
    ['160 GSM-7 characters', 'a'.repeat(160), 'GSM-7', 1],
    ['161 GSM-7 characters', 'a'.repeat(161), 'GSM-7', 2],
    ['306 GSM-7 characters (2 × 153)', 'a'.repeat(306), 'GSM-7', 2],
    ['80 euro signs (2 septets each)', '€'.repeat(80), 'GSM-7', 1],
    ['81 euro signs', '€'.repeat(81), 'GSM-7', 2],
    ['70 characters with one emoji', `🚛${'a'.repeat(68)}`, 'UCS-2', 1],
    ['71 UCS-2 characters', `Ł${'a'.repeat(70)}`, 'UCS-2', 2],
  ])('%s', (_, body, encoding, segments) => {
    expect(countSegments(body)).toEqual({ encoding, segments });
  });
});

describe('templates', () => {
  const ALL: SmsTemplateId[] = [
    'scheduled',
    'rescheduled',
    'on_the_way',
    'arriving',
    'arrived',
    'complete',
    'cancelled',
    'correction',
    'charter_scheduled',
    'charter_rescheduled',
    'charter_cancelled',
    'charter_complete',
  ];
  // The longest values the product allows in practice.
  const worstCase = variablesFor(
    job({
      brandId: 'queen-of-san-diego',
      serviceType: 'charter',
      customer: {
        name: 'Maximiliana Wolfeschlegelstein',
        firstName: 'Maximiliana-Wolfeschlegelstein',
        phone: '+16195550142',
      },
      schedule: { date: '2026-12-31', window: 'sunset' },
      etaMinutes: 120,
      priceCents: 9_999_999,
      invoiceUrl: `https://invoices.example.com/${'x'.repeat(80)}`,
      charter: {
        vessel: 'Queen of San Diego',
        meetingPoint: 'Harbor Island West Marina, dock C, slip 42',
        guestCount: 40,
        durationMinutes: 240,
      },
    }),
    brands.get('queen-of-san-diego'),
    { correctedTo: 'scheduled', trackingUrl },
  );

  it.each(ALL)('%s fits in two segments even with the longest values, as GSM-7 and as UCS-2', (template) => {
    for (const variables of [worstCase, { ...worstCase, firstName: `${worstCase.firstName} 🚤` }]) {
      const rendered = renderSms(template, variables, { firstToNumber: true });
      expect(rendered.segments).toBeLessThanOrEqual(MAX_SEGMENTS);
      expect(rendered.body).toContain(variables.signOff);
    }
  });

  it('given the first text to a number, then it ends with how to opt out; later ones do not', () => {
    const variables = variablesFor(job(), brands.get('qdn'), { trackingUrl });
    expect(renderSms('scheduled', variables, { firstToNumber: true }).body).toMatch(
      /Reply STOP to opt out\.$/,
    );
    expect(renderSms('scheduled', variables, { firstToNumber: false }).body).not.toMatch(/STOP/);
  });

  it('speaks as the brand, with the day and window in words and the tracking link', () => {
    const rendered = renderSms('scheduled', variablesFor(job(), brands.get('qdn'), { trackingUrl }), {
      firstToNumber: false,
    });
    expect(rendered.body).toBe(
      'Hi Mark, your trailer pickup & dump is booked for Tue, Dec 1 between 12 pm and 5 pm. Track: http://localhost:3001/track/AbCdEfGhIjKlMnOpQrStUvWxYz012345 - QuickDumpNow',
    );
    expect(rendered).toMatchObject({ encoding: 'GSM-7', segments: 2 });
  });

  it('given a name with an emoji, when the text would not fit, then the name is spelled plainly and the link kept', () => {
    const variables = { ...variablesFor(job(), brands.get('qdn'), { trackingUrl }), firstName: 'Ana 🚤' };
    const rendered = renderSms('scheduled', variables, { firstToNumber: true });
    expect(rendered.body).toContain('Hi Ana,');
    expect(rendered.body).toContain(variables.trackingUrl);
    expect(rendered.encoding).toBe('GSM-7');
  });

  it('puts the total and the invoice link in the completion text', () => {
    const body = renderSms(
      'complete',
      variablesFor(
        job({ status: 'complete', invoiceUrl: 'https://pay.example.com/i/42' }),
        brands.get('qdn'),
      ),
      { firstToNumber: false },
    ).body;
    expect(body).toContain('Total: $600.00.');
    expect(body).toContain('Invoice: https://pay.example.com/i/42');
  });
});

describe('brand configuration', () => {
  it('given every brand, then its sign-off is plain GSM-7 (one curly dash would make every text UCS-2, doubling its cost)', () => {
    for (const brand of brands.all()) expect(countSegments(brand.smsSignOff).encoding).toBe('GSM-7');
  });
});

describe('which event texts the customer', () => {
  it.each([
    ['a requested booking', 'JobCreated', { job: job({ status: 'requested' }) }, undefined],
    ['a scheduled job', 'JobCreated', { job: job() }, 'scheduled'],
    ['a scheduled charter', 'JobCreated', { job: job({ serviceType: 'charter' }) }, 'charter_scheduled'],
    [
      'a booking the dispatcher schedules',
      'JobStatusChanged',
      { job: job(), previousStatus: 'requested', status: 'scheduled' },
      'scheduled',
    ],
    [
      'on the way',
      'JobStatusChanged',
      { job: job({ status: 'en_route' }), previousStatus: 'scheduled', status: 'en_route' },
      'on_the_way',
    ],
    ['arriving', 'JobArriving', { job: job({ status: 'en_route' }) }, 'arriving'],
    ['a reschedule', 'JobScheduleChanged', { job: job() }, 'rescheduled'],
    [
      'a reschedule of an unconfirmed booking',
      'JobScheduleChanged',
      { job: job({ status: 'requested' }) },
      undefined,
    ],
    ['a crew change', 'JobAssignmentChanged', { job: job() }, undefined],
    ['a detail change', 'JobDetailsChanged', { job: job() }, undefined],
    [
      'a correction of a texted status',
      'JobStatusChanged',
      { job: job(), previousStatus: 'en_route', status: 'scheduled', correction: true },
      'correction',
    ],
    [
      'a cancelled booking that was never confirmed',
      'JobStatusChanged',
      { job: job({ status: 'cancelled' }), previousStatus: 'requested', status: 'cancelled' },
      undefined,
    ],
    [
      'a cancelled job',
      'JobStatusChanged',
      { job: job({ status: 'cancelled' }), previousStatus: 'scheduled', status: 'cancelled' },
      'cancelled',
    ],
  ] as const)('%s → %s', (_, detailType, data, expected) => {
    expect(templateForEvent(detailType, data as Parameters<typeof templateForEvent>[1])).toBe(expected);
  });
});
