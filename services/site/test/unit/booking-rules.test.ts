import { describe, expect, it } from '@jest/globals';
import { testBrands } from '@qdn/local-cloud/test-factories';

// The booking form's own checks (public/js/booking-rules.js, a browser module without types) against
// the jobs API's BookingInput and brand checks, case by case. Imported by URL, as the browser does.
const rules = await import(new URL('../../public/js/booking-rules.js', import.meta.url).href);

const brand = {
  brandId: 'qdn',
  windows: { morning: { start: '08:00', end: '12:00' }, afternoon: { start: '12:00', end: '17:00' } },
  serviceTypes: [
    { serviceType: 'trailer_pickup_and_dump', label: 'Trailer pickup & dump', priceCents: 60000 },
    { serviceType: 'trailer_drop', label: 'Trailer drop-off rental', priceCents: 35000, extraDayCents: 7500 },
  ],
};
const TODAY = '2027-03-10';
const valid = {
  serviceType: 'trailer_pickup_and_dump',
  preferredDate: '2027-03-12',
  endDate: '',
  window: 'morning',
  name: 'Mark Soderblom',
  phone: '(619) 555-0142',
  email: '',
  address: '4410 Soderblom Ave, San Diego',
  notes: '',
  smsConsent: true,
};

describe('the booking form rules', () => {
  it('given a complete form, then no problems', () => {
    expect(rules.bookingProblems(brand, valid, TODAY)).toEqual({});
  });

  it('given an empty form, then every required field is named, and nothing optional', () => {
    const empty = {
      ...valid,
      serviceType: '',
      preferredDate: '',
      window: '',
      name: ' ',
      phone: '',
      address: '',
      smsConsent: false,
    };
    expect(Object.keys(rules.bookingProblems(brand, empty, TODAY)).sort()).toEqual(
      ['address', 'name', 'phone', 'preferredDate', 'serviceType', 'smsConsent'].sort(),
    );
  });

  it.each([
    ['a name over 100 characters', { name: 'x'.repeat(101) }, 'name'],
    ['an address over 300 characters', { address: 'x'.repeat(301) }, 'address'],
    ['notes over 1000 characters', { notes: 'x'.repeat(1001) }, 'notes'],
    ['an email without a domain', { email: 'mark@' }, 'email'],
    ['a date before today', { preferredDate: '2027-03-09' }, 'preferredDate'],
    ['a date that does not exist', { preferredDate: '2027-02-30' }, 'preferredDate'],
    ['a window the brand does not offer', { window: 'midnight' }, 'window'],
    ['a service the brand does not offer', { serviceType: 'charter' }, 'serviceType'],
    ['no consent to texts', { smsConsent: false }, 'smsConsent'],
    ['a return date before the start', { serviceType: 'trailer_drop', endDate: '2027-03-11' }, 'endDate'],
  ])('given %s, then that field has a problem', (_what, change, field) => {
    expect(Object.keys(rules.bookingProblems(brand, { ...valid, ...change }, TODAY))).toEqual([field]);
  });

  it.each([
    ['(619) 555-0142', true],
    ['619.555.0142', true],
    ['+1 619 555 0142', true],
    ['1-619-555-0142', true],
    ['+44 20 7946 0958', true],
    ['555-0142', false],
    ['(119) 555-0142', false],
    ['(619) 155-0142', false],
    ['(911) 555-0142', false],
    ['call me', false],
    ['+1 619 555 01423', false],
  ])('given the phone %s, then plausible is %s', (phone, plausible) => {
    expect(rules.plausiblePhone(phone)).toBe(plausible);
  });

  it('quotes like the API: the base price, plus each day a rental runs past the first', () => {
    expect(rules.quoteFor(brand, 'trailer_drop', '2027-03-12', '2027-03-14')).toEqual({
      serviceType: 'trailer_drop',
      label: 'Trailer drop-off rental',
      days: 3,
      totalCents: 35000 + 2 * 7500,
    });
    expect(rules.quoteFor(brand, 'trailer_pickup_and_dump', '2027-03-12', '2027-03-14')?.totalCents).toBe(
      60000,
    );
    expect(rules.quoteFor(brand, 'charter', '2027-03-12', '')).toBeUndefined();
  });

  it.each([
    ['body.phone', 'phone'],
    ['body.address.text', 'address'],
    ['body.address', 'address'],
    ['body.schedule.window', 'window'],
    ['body.preferredDate', 'preferredDate'],
    ['body.smsConsent', 'smsConsent'],
    ['body.serviceType', 'serviceType'],
    ['body', undefined],
  ])('places the API field error %s on the %s field', (apiField, field) => {
    expect(rules.fieldOfApiError(apiField)).toBe(field);
  });

  it('given a day no trailer is free, then a service that takes a trailer may not use it, and others may', () => {
    const fleetBrand = {
      ...brand,
      serviceTypes: [
        { ...brand.serviceTypes[1], usesTrailer: true },
        { serviceType: 'junk_removal', label: 'Junk removal', priceCents: 45000 },
      ],
    };
    const fullDays = rules.daysWithNoTrailer({
      days: [
        { date: '2027-03-12', free: { '14 yd': 1, '20 yd': 0 } },
        { date: '2027-03-13', free: { '14 yd': 0, '20 yd': 0 } },
      ],
    });
    const rental = {
      ...valid,
      serviceType: 'trailer_drop',
      preferredDate: '2027-03-12',
      endDate: '2027-03-14',
    };

    expect([...fullDays]).toEqual(['2027-03-13']);
    expect(rules.bookingProblems(fleetBrand, rental, TODAY, fullDays)).toEqual({
      preferredDate:
        'All our trailers are booked on 2027-03-13. Please choose other days, or text or call us.',
    });
    expect(rules.bookingProblems(fleetBrand, { ...rental, endDate: '' }, TODAY, fullDays)).toEqual({});
    expect(
      rules.bookingProblems(
        fleetBrand,
        { ...rental, serviceType: 'junk_removal', endDate: '', preferredDate: '2027-03-13' },
        TODAY,
        fullDays,
      ),
    ).toEqual({});
  });
});

describe('choosing how to pay', () => {
  const paying = { ...brand, payments: { methods: ['card', 'zelle'], depositPercent: 25 } };

  it('given a brand with payment methods and none chosen, then paymentMethod is a problem; one it offers is fine', () => {
    expect(rules.bookingProblems(paying, { ...valid, paymentMethod: '' }, TODAY)).toEqual({
      paymentMethod: 'Choose how you’d like to pay.',
    });
    expect(rules.bookingProblems(paying, { ...valid, paymentMethod: 'cash' }, TODAY)).toHaveProperty(
      'paymentMethod',
    );
    expect(rules.bookingProblems(paying, { ...valid, paymentMethod: 'zelle' }, TODAY)).toEqual({});
  });

  it('given the API refuses body.paymentMethod, then the error goes to the payment choices', () => {
    expect(rules.fieldOfApiError('body.paymentMethod')).toBe('paymentMethod');
  });
});

describe('the charter form rules', () => {
  const queen = testBrands.get('queen-of-san-diego');
  const charterValid = {
    ...valid,
    serviceType: 'charter',
    window: '',
    address: '',
    departureTime: '17:00',
    durationMinutes: '180',
    guestCount: '25',
    occasion: 'Wedding',
    paymentMethod: 'cash',
  };

  it('given a complete charter form, then no problems, and no address or window is asked', () => {
    expect(rules.bookingProblems(queen, charterValid, TODAY)).toEqual({});
  });

  it('given an empty charter form, then the departure, length and guests are named, not the address', () => {
    const empty = { ...charterValid, departureTime: '', durationMinutes: '', guestCount: '', occasion: '' };
    expect(Object.keys(rules.bookingProblems(queen, empty, TODAY)).sort()).toEqual([
      'departureTime',
      'durationMinutes',
      'guestCount',
    ]);
  });

  it.each([
    [
      'more guests than the boat takes',
      { guestCount: '50' },
      'guestCount',
      /^Queen of San Diego takes at most 49 guests/,
    ],
    ['no guests', { guestCount: '0' }, 'guestCount', /^Enter the number of guests/],
    ['a fraction of a guest', { guestCount: '2.5' }, 'guestCount', /^Enter the number of guests/],
    [
      'a departure the brand does not offer',
      { departureTime: '09:00' },
      'departureTime',
      /departure times offered/,
    ],
    ['a length the brand does not offer', { durationMinutes: '90' }, 'durationMinutes', /lengths offered/],
    ['an occasion not listed', { occasion: 'Heist' }, 'occasion', /occasions listed/],
  ])('given %s, then that field has a problem', (_what, change, field, message) => {
    const problems = rules.bookingProblems(queen, { ...charterValid, ...change }, TODAY);
    expect(Object.keys(problems)).toEqual([field]);
    expect(problems[field]).toMatch(message);
  });

  it('given no length chosen yet, then the quote is the least a charter costs', () => {
    expect(
      rules.quoteFor(queen, 'charter', '2027-03-12', '', { durationMinutes: '', guestCount: '' }),
    ).toEqual({
      serviceType: 'charter',
      label: 'Harbor charter',
      days: 1,
      totalCents: 120000,
    });
  });

  it.each([
    ['body.charter.guestCount', 'guestCount'],
    ['body.charter.departureTime', 'departureTime'],
    ['body.charter.durationMinutes', 'durationMinutes'],
  ])('places the API field error %s on the %s field', (apiField, field) => {
    expect(rules.fieldOfApiError(apiField)).toBe(field);
  });

  it.each([
    [120, '2 hours'],
    [150, '2½ hours'],
    [60, '1 hour'],
    [45, '45 minutes'],
    [200, '3 h 20 min'],
  ])('writes %i minutes as "%s"', (minutes, words) => {
    expect(rules.durationLabel(minutes)).toBe(words);
  });
});
