import { describe, expect, it } from '@jest/globals';
import { jobOnBus, testBrands } from '@qdn/local-cloud/test-factories';
import { countSegments } from '../../src/domain/sms-segments.ts';
import {
  MAX_SEGMENTS,
  renderSms,
  type SmsTemplateId,
  templateForEvent,
  templateForStatus,
  variablesFor,
} from '../../src/domain/sms-templates.ts';

const brands = testBrands;
const job = jobOnBus;
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
    'reminder',
    'review_request',
    'payment_receipt',
    'payment_refund',
    'payment_refund_failed',
    'payment_refund_paid_back',
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
    {
      correctedTo: 'scheduled',
      trackingUrl,
      // The longest list a brand may configure (5 items of 60 characters) and a long review link.
      haveReady: Array.from({ length: 5 }, (_, index) => `${index}`.padEnd(60, 'x')),
      reviewUrl: `https://g.page/r/${'x'.repeat(80)}/review`,
      payment: { method: 'zelle', amountCents: 9_999_999 },
      refund: { amountCents: 9_999_999 },
    },
  );
  // How to pay, with the longest Zelle recipient a brand may configure (40 characters).
  worstCase.howToPay = `Pay $99,999.99 by Zelle to ${'z'.repeat(40)}.`;

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

describe('every text, word for word', () => {
  const qdn = brands.get('qdn');
  const jada = brands.get('jada');
  const render = (template: SmsTemplateId, variables: ReturnType<typeof variablesFor>) =>
    renderSms(template, variables, { firstToNumber: false }).body;
  const plain = variablesFor(job({ priceCents: undefined, trackingLinkId: undefined }), qdn);
  const charter = (overrides: Parameters<typeof job>[0] = {}) =>
    variablesFor(
      job({
        brandId: 'jada',
        serviceType: 'charter',
        schedule: { date: '2026-12-05', time: '09:05' },
        priceCents: undefined,
        ...overrides,
      }),
      jada,
    );

  it.each([
    ['on_the_way', plain, "Hi Mark, we're on the way. - QuickDumpNow"],
    [
      'on_the_way',
      variablesFor(job({ etaMinutes: 20 }), qdn, { trackingUrl }),
      `Hi Mark, we're on the way - about 20 min. Track: ${trackingUrl} - QuickDumpNow`,
    ],
    ['arriving', plain, "Hi Mark, we're arriving now. - QuickDumpNow"],
    ['arrived', plain, "Hi Mark, we've arrived for your trailer pickup & dump. - QuickDumpNow"],
    ['complete', plain, 'Thanks Mark, your trailer pickup & dump is complete. - QuickDumpNow'],
    [
      'cancelled',
      plain,
      'Hi Mark, your trailer pickup & dump on Tue, Dec 1 is cancelled. Questions? Just reply. - QuickDumpNow',
    ],
    [
      'rescheduled',
      plain,
      'Hi Mark, your trailer pickup & dump has moved to Tue, Dec 1 between 12 pm and 5 pm. - QuickDumpNow',
    ],
    [
      'correction',
      plain,
      'Sorry Mark, please ignore our last text: your trailer pickup & dump is unchanged. - QuickDumpNow',
    ],
    [
      'correction',
      variablesFor(job(), qdn, { correctedTo: 'en_route' }),
      'Sorry Mark, please ignore our last text: your trailer pickup & dump is on the way. - QuickDumpNow',
    ],
    ['charter_scheduled', charter(), 'Hi Mark, your charter is set for Sat, Dec 5 at 9:05 am. - JADA'],
    [
      'charter_scheduled',
      charter({
        schedule: { date: '2026-12-05', time: '00:00' },
        charter: { vessel: 'JADA', meetingPoint: 'Dock C', guestCount: 6, durationMinutes: 180 },
      }),
      'Hi Mark, your charter aboard JADA is set for Sat, Dec 5 at 12 am, meet at Dock C. - JADA',
    ],
    ['charter_rescheduled', charter(), 'Hi Mark, your charter has moved to Sat, Dec 5 at 9:05 am. - JADA'],
    [
      'charter_rescheduled',
      charter({
        schedule: { date: '2026-12-05', time: '12:00' },
        charter: { vessel: 'JADA', meetingPoint: 'Dock C', guestCount: 6, durationMinutes: 180 },
      }),
      'Hi Mark, your charter aboard JADA has moved to Sat, Dec 5 at 12 pm. - JADA',
    ],
    [
      'charter_cancelled',
      charter(),
      'Hi Mark, your charter on Sat, Dec 5 is cancelled. Questions? Just reply. - JADA',
    ],
    ['charter_complete', charter(), 'Thanks for sailing with us, Mark! - JADA'],
    [
      'charter_complete',
      charter({ priceCents: 120000, invoiceUrl: 'https://pay.example.com/i/7' }),
      'Thanks for sailing with us, Mark! Total: $1,200.00. Invoice: https://pay.example.com/i/7 - JADA',
    ],
  ] as const)('%s: %j', (template, variables, body) => {
    expect(render(template, variables)).toBe(body);
  });

  it('given a job with a date only (no window, no time), then the day alone, with no stray space', () => {
    const dateOnly = variablesFor(job({ schedule: { date: '2026-12-01' }, trackingLinkId: undefined }), qdn);
    expect(render('scheduled', dateOnly)).toBe(
      'Hi Mark, your trailer pickup & dump is booked for Tue, Dec 1. - QuickDumpNow',
    );
    expect(render('rescheduled', dateOnly)).toBe(
      'Hi Mark, your trailer pickup & dump has moved to Tue, Dec 1. - QuickDumpNow',
    );
    expect(render('charter_scheduled', charter({ schedule: { date: '2026-12-05' } }))).toBe(
      'Hi Mark, your charter is set for Sat, Dec 5. - JADA',
    );
  });

  it('given a service the brand no longer lists, then its own name', () => {
    expect(variablesFor(job({ serviceType: 'boat_haul' }), qdn).serviceLabel).toBe('boat_haul');
  });

  it('given a name with no plain letters at all, when the text would not fit, then "there" and the link kept', () => {
    const variables = { ...variablesFor(job(), qdn, { trackingUrl }), firstName: '李小龍' };
    const rendered = renderSms('scheduled', variables, { firstToNumber: true });
    expect(rendered.body).toMatch(/^Hi there, /);
    expect(rendered.body).toContain(trackingUrl);
    expect(rendered).toMatchObject({ encoding: 'GSM-7' });
  });
});

describe('which event texts the customer, charters and corrections', () => {
  const charter = (overrides: Parameters<typeof job>[0] = {}) =>
    job({ brandId: 'jada', serviceType: 'charter', ...overrides });

  it.each([
    ['a charter rescheduled', 'JobScheduleChanged', { job: charter() }, 'charter_rescheduled'],
    [
      'a job rescheduled while on the way',
      'JobScheduleChanged',
      { job: job({ status: 'en_route' }) },
      'rescheduled',
    ],
    ['arriving after it arrived', 'JobArriving', { job: job({ status: 'arrived' }) }, undefined],
    [
      'a charter booking the dispatcher schedules',
      'JobStatusChanged',
      { job: charter(), previousStatus: 'requested', status: 'scheduled' },
      'charter_scheduled',
    ],
    [
      'back to scheduled without a correction',
      'JobStatusChanged',
      { job: job(), previousStatus: 'en_route', status: 'scheduled' },
      undefined,
    ],
    [
      'a correction of a status never texted',
      'JobStatusChanged',
      {
        job: job({ status: 'requested' }),
        previousStatus: 'scheduled',
        status: 'requested',
        correction: true,
      },
      undefined,
    ],
    [
      'a correction of "arrived"',
      'JobStatusChanged',
      { job: job({ status: 'en_route' }), previousStatus: 'arrived', status: 'en_route', correction: true },
      'correction',
    ],
    [
      'a charter setting off',
      'JobStatusChanged',
      { job: charter({ status: 'en_route' }), previousStatus: 'scheduled', status: 'en_route' },
      undefined,
    ],
    [
      'arrived',
      'JobStatusChanged',
      { job: job({ status: 'arrived' }), previousStatus: 'en_route', status: 'arrived' },
      'arrived',
    ],
    [
      'a charter arrived',
      'JobStatusChanged',
      { job: charter({ status: 'arrived' }), previousStatus: 'en_route', status: 'arrived' },
      undefined,
    ],
    [
      'complete',
      'JobStatusChanged',
      { job: job({ status: 'complete' }), previousStatus: 'arrived', status: 'complete' },
      'complete',
    ],
    [
      'a charter complete',
      'JobStatusChanged',
      { job: charter({ status: 'complete' }), previousStatus: 'arrived', status: 'complete' },
      'charter_complete',
    ],
    [
      'a charter cancelled',
      'JobStatusChanged',
      { job: charter({ status: 'cancelled' }), previousStatus: 'scheduled', status: 'cancelled' },
      'charter_cancelled',
    ],
    [
      'back to requested',
      'JobStatusChanged',
      { job: job({ status: 'requested' }), previousStatus: 'scheduled', status: 'requested' },
      undefined,
    ],
    ['a link rotation', 'TrackingLinkIssued', { job: job() }, undefined],
  ] as const)('%s → %s', (_, detailType, data, expected) => {
    expect(templateForEvent(detailType, data as Parameters<typeof templateForEvent>[1])).toBe(expected);
  });
});

describe('paying', () => {
  it('given a Zelle booking still due, when confirmed, then the scheduled text says how to pay', () => {
    const due = job({ paymentMethod: 'zelle', paymentStatus: 'due', priceCents: 15000 });
    const rendered = renderSms('scheduled', variablesFor(due, brands.get('qdn'), { trackingUrl }), {
      firstToNumber: false,
    });
    expect(rendered.body).toContain('Pay $150.00 by Zelle to pay@quickdumpnow.com.');
    expect(rendered.body).toContain(trackingUrl);
  });

  it('given a total in the thousands, then it reads as a US business writes it ($1,925.00), in the text and how to pay', () => {
    const large = job({ paymentMethod: 'zelle', paymentStatus: 'due', priceCents: 192_500 });
    const variables = variablesFor(large, brands.get('qdn'), { trackingUrl });
    expect(variables.total).toBe('$1,925.00');
    expect(renderSms('scheduled', variables, { firstToNumber: false }).body).toContain(
      'Pay $1,925.00 by Zelle to pay@quickdumpnow.com.',
    );
  });

  it('given a job already paid or paid by card, then the scheduled text says nothing about paying', () => {
    for (const paid of [
      job({ paymentMethod: 'zelle', paymentStatus: 'paid', priceCents: 15000 }),
      job({ paymentMethod: 'card', paymentStatus: 'paid', priceCents: 15000 }),
    ]) {
      const body = renderSms('scheduled', variablesFor(paid, brands.get('qdn'), { trackingUrl }), {
        firstToNumber: false,
      }).body;
      expect(body).not.toContain('Pay ');
    }
  });

  it('given JobPaymentReceived, then a receipt with the amount and how it was paid, even for a booking not yet confirmed', () => {
    const requested = job({ status: 'requested', paymentMethod: 'card', paymentStatus: 'paid' });
    expect(templateForEvent('JobPaymentReceived', { job: requested })).toBe('payment_receipt');
    const rendered = renderSms(
      'payment_receipt',
      variablesFor(requested, brands.get('qdn'), { payment: { method: 'card', amountCents: 3750 } }),
      { firstToNumber: true },
    );
    expect(rendered.body).toBe(
      'Thanks Mark, we received your card payment of $37.50 for your trailer pickup & dump on Tue, Dec 1. - QuickDumpNow Reply STOP to opt out.',
    );
  });
});

describe('refunds', () => {
  it('given JobPaymentRefunded, then the customer hears the amount given back and how long the bank takes, even for a booking declined before it was confirmed', () => {
    const declined = job({ status: 'cancelled', paymentMethod: 'card', paymentStatus: 'refunded' });
    expect(templateForEvent('JobPaymentRefunded', { job: declined })).toBe('payment_refund');
    // The cancellation of a booking never confirmed is not texted: the refund text is all they hear.
    expect(
      templateForEvent('JobStatusChanged', {
        job: declined,
        status: 'cancelled',
        previousStatus: 'requested',
      }),
    ).toBeUndefined();
    const rendered = renderSms(
      'payment_refund',
      variablesFor(declined, brands.get('qdn'), { refund: { amountCents: 123_450 } }),
      { firstToNumber: false },
    );
    expect(rendered.body).toBe(
      'Hi Mark, we refunded your card payment of $1,234.50 for your trailer pickup & dump on Tue, Dec 1. It can take 5 to 10 days to show on your statement. - QuickDumpNow',
    );
  });

  it('given JobRefundFailed (the card could not take the refund back), then the customer hears it and that the business will pay it back another way', () => {
    const cancelled = job({ status: 'cancelled', paymentMethod: 'card', paymentStatus: 'refunded' });
    expect(templateForEvent('JobRefundFailed', { job: cancelled })).toBe('payment_refund_failed');
    const rendered = renderSms(
      'payment_refund_failed',
      variablesFor(cancelled, brands.get('qdn'), { refund: { amountCents: 123_450 } }),
      { firstToNumber: false },
    );
    expect(rendered.body).toBe(
      "Hi Mark, your refund of $1,234.50 for your trailer pickup & dump on Tue, Dec 1 could not be returned to your card. We'll be in touch to pay it back another way. - QuickDumpNow",
    );
    expect(rendered).toMatchObject({ encoding: 'GSM-7', segments: 2 });
  });

  it('given JobRefundPaidBack (the failed refund paid back by Zelle, cash or check), then the customer hears how', () => {
    const cancelled = job({ status: 'cancelled', paymentMethod: 'card', paymentStatus: 'refunded' });
    expect(templateForEvent('JobRefundPaidBack', { job: cancelled })).toBe('payment_refund_paid_back');
    const render = (method?: 'zelle' | 'check') =>
      renderSms(
        'payment_refund_paid_back',
        variablesFor(cancelled, brands.get('qdn'), {
          refund: { amountCents: 15_000, ...(method ? { method } : {}) },
        }),
        { firstToNumber: false },
      ).body;
    expect(render('zelle')).toBe(
      'Hi Mark, we have paid back your refund of $150.00 for your trailer pickup & dump on Tue, Dec 1 by Zelle. - QuickDumpNow',
    );
    expect(render('check')).toContain('on Tue, Dec 1 by check.');
    expect(render()).toContain('on Tue, Dec 1. - QuickDumpNow');
  });
});

describe('the text a correction of a final status takes back', () => {
  it('is the one the final status sent: for a plain job, a charter, and a charter under another service name', () => {
    const charterDetails = { vessel: 'JADA', meetingPoint: 'Dock C', guestCount: 4, durationMinutes: 120 };
    for (const job of [
      jobOnBus(),
      jobOnBus({ brandId: 'jada', serviceType: 'charter', charter: charterDetails }),
      jobOnBus({ brandId: 'jada', serviceType: 'sunset_cruise', charter: charterDetails }),
    ]) {
      for (const status of ['complete', 'cancelled'] as const) {
        const sent = templateForEvent('JobStatusChanged', {
          job: { ...job, status },
          previousStatus: 'arrived',
          status,
        });
        expect([job.serviceType, status, templateForStatus(job, status)]).toEqual([
          job.serviceType,
          status,
          sent,
        ]);
      }
    }
    expect(templateForStatus(jobOnBus(), 'arrived')).toBeUndefined();
  });
});

describe('a job stored with a window its brand does not name', () => {
  it('given a window such as "toString" (stored before windows were checked), then the text goes without a window instead of failing', () => {
    for (const window of ['toString', 'constructor', '__proto__']) {
      const variables = variablesFor(job({ schedule: { date: '2026-12-01', window } }), brands.get('qdn'));
      expect(variables.when).toBe('');
    }
  });
});
