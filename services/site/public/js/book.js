// The booking page (/book, /book?brand=<brandId>): the brand's services and prices, the form with the
// same rules as the API's (checked here first, so most mistakes never leave the phone), the quote, and
// a confirmation. Whatever the API still refuses is shown next to its field. Paying: the brand's
// methods; card goes to Stripe Checkout for the deposit (and comes back here with ?job=…&payment=paid
// or cancelled), Zelle and cash show how to pay on the confirmation.
// Each service brings its own form: the address form (where and when), or for a charter the charter form
// (departure, length, guests within the boat's capacity, occasion; guests board at the brand's meeting point).

import { createBookingPhotos } from './booking-photos.js';
import {
  bookingProblems,
  daysWithNoTrailer,
  durationLabel,
  fieldOfApiError,
  quoteFor,
} from './booking-rules.js';
import {
  applyBrand,
  byId,
  callApi,
  formatClock,
  formatDay,
  formatMoney,
  h,
  setText,
  show,
  siteConfig,
  todayIn,
} from './common.js';

const FIELDS = [
  'serviceType',
  'preferredDate',
  'endDate',
  'departureTime',
  'durationMinutes',
  'guestCount',
  'occasion',
  'window',
  'name',
  'phone',
  'email',
  'address',
  'notes',
  'smsConsent',
  'paymentMethod',
];
/** Fields shown as a group of choices (their error belongs to the fieldset). */
const CHOICE_FIELDS = new Set(['serviceType', 'paymentMethod']);
const METHOD_LABELS = { card: 'Card (deposit now)', zelle: 'Zelle', cash: 'Cash on the day' };
const JOB_ID = /^qdn_[0-9A-HJKMNP-TV-Z]{26}$/;
const BRAND_ID = /^[a-z][a-z0-9-]{0,40}$/;

const RATE_LIMITED =
  'We’ve had several online booking requests from this phone number or network in a short time, so we ' +
  'can’t take another one online right now. The limit keeps our schedule free of spam. Please text or ' +
  'call us to book, or try again tomorrow.';
const UNREACHABLE =
  'We couldn’t send your request, so nothing was booked. Please check your connection and try again.';

const form = byId('booking-form');
let brand;
/** The photos of the load picked on this page (the address form only). */
let photos;
/** Days with no trailer free (the next 62), for the services that take one. */
let fullDays = new Set();
const AVAILABILITY_DAYS = 62;

/** What the form holds, as the API's BookingInput names it. */
function formValues() {
  const value = (id) => byId(id).value;
  return {
    serviceType: form.querySelector('input[name="serviceType"]:checked')?.value ?? '',
    preferredDate: value('preferredDate'),
    endDate: value('endDate'),
    window: value('window'),
    departureTime: value('departureTime'),
    durationMinutes: value('durationMinutes'),
    guestCount: value('guestCount'),
    occasion: value('occasion'),
    name: value('name'),
    phone: value('phone'),
    email: value('email'),
    address: value('address'),
    notes: value('notes'),
    smsConsent: byId('smsConsent').checked,
    paymentMethod: form.querySelector('input[name="paymentMethod"]:checked')?.value ?? '',
  };
}

function paymentMethods() {
  return brand.payments?.methods ?? [];
}

const offerOf = (serviceType) =>
  brand.serviceTypes.find((candidate) => candidate.serviceType === serviceType);

/** What the chosen service's form asks, as the API's BookingInput names it. */
function formFields(values, offer, picked = {}) {
  if (offer?.charter) {
    return {
      charter: {
        departureTime: values.departureTime,
        durationMinutes: Number(values.durationMinutes),
        guestCount: Number(values.guestCount),
        ...(values.occasion ? { occasion: values.occasion } : {}),
      },
    };
  }
  // The photo's place, when the customer chose it, is where the job is (no geocoding of the text).
  const at = picked.location ? { lat: picked.location.lat, lng: picked.location.lng } : {};
  return {
    address: { text: values.address.trim(), ...at },
    ...(picked.photoDraftId ? { photoDraftId: picked.photoDraftId } : {}),
    ...(values.endDate && offer?.extraDayCents !== undefined ? { endDate: values.endDate } : {}),
    ...(values.window ? { window: values.window } : {}),
  };
}

/** The notes, with the photo's place for the dispatcher when the customer chose it (and it fits). */
function notesWith(notes, location) {
  const line = location
    ? `Pickup at my photo's location: ${location.lat.toFixed(5)}, ${location.lng.toFixed(5)}`
    : '';
  const combined = [notes.trim(), line].filter(Boolean).join('\n');
  return combined.length <= 1000 ? combined : notes.trim();
}

function bookingBody(values) {
  const offer = offerOf(values.serviceType);
  const picked = offer?.charter ? {} : (photos?.bookingFields() ?? {});
  const notes = notesWith(values.notes, picked.location);
  return {
    brandId: brand.brandId,
    name: values.name.trim(),
    phone: values.phone.trim(),
    ...(values.email.trim() ? { email: values.email.trim() } : {}),
    serviceType: values.serviceType,
    preferredDate: values.preferredDate,
    ...formFields(values, offer, picked),
    ...(notes ? { notes } : {}),
    smsConsent: values.smsConsent,
    ...(values.paymentMethod ? { paymentMethod: values.paymentMethod } : {}),
  };
}

function controlOf(field) {
  return CHOICE_FIELDS.has(field) ? form.querySelector(`input[name="${field}"]`) : byId(field);
}

/** Shows each problem next to its field (and a summary on top), or clears them all. */
function showProblems(problems, summary) {
  for (const field of FIELDS) {
    const message = problems[field];
    const error = byId(`${field}-error`);
    setText(error, message ?? '');
    show(error, Boolean(message));
    const control = CHOICE_FIELDS.has(field) ? byId(`${field}-field`) : byId(field);
    if (message) control.setAttribute('aria-invalid', 'true');
    else control.removeAttribute('aria-invalid');
  }
  const box = byId('form-problem');
  const fields = FIELDS.filter((field) => problems[field]);
  if (!summary && fields.length === 0) {
    show(box, false);
    return;
  }
  box.replaceChildren(
    ...(summary ? [h('p', {}, summary)] : []),
    ...(fields.length > 0
      ? [
          h('p', {}, fields.length === 1 ? 'Please fix this:' : `Please fix these ${fields.length} things:`),
          h(
            'ul',
            {},
            ...fields.map((field) =>
              h('li', {}, h('a', { href: `#${controlOf(field).id}` }, problems[field])),
            ),
          ),
        ]
      : []),
  );
  show(box, true);
  box.focus();
}

/** The charter form's choices for this offer (a brand may sell more than one boat). */
let charterShown;
function renderCharterFields(offer) {
  if (charterShown === offer) return;
  charterShown = offer;
  const { charter } = offer;
  const options = (select, first, entries) =>
    byId(select).replaceChildren(
      h('option', { value: '' }, first),
      ...entries.map(([value, label]) => h('option', { value: String(value) }, label)),
    );
  options(
    'departureTime',
    'Choose a time',
    charter.departureTimes.map((time) => [time, formatClock(time)]),
  );
  options(
    'durationMinutes',
    'Choose a length',
    charter.durationsMinutes.map((minutes) => [minutes, durationLabel(minutes)]),
  );
  options(
    'occasion',
    'Not saying',
    (charter.occasions ?? []).map((occasion) => [occasion, occasion]),
  );
  show(byId('occasion-field'), (charter.occasions ?? []).length > 0);
  byId('guestCount').max = String(charter.capacity);
  setText(byId('guestCount-hint'), `Up to ${charter.capacity} aboard ${charter.vessel}.`);
  setText(byId('meeting-point'), `Boarding at ${charter.meetingPoint}.`);
}

/** "3 hours, 25 guests (5 beyond the 20 included, $25.00 each)": what a charter's quote is made of. */
function charterDetail(quote) {
  const { durationMinutes, guestCount, extraGuests, extraGuestCents } = quote.charter;
  const guests = `${guestCount} guest${guestCount === 1 ? '' : 's'}`;
  const extra =
    extraGuests > 0
      ? ` (${extraGuests} beyond the ${guestCount - extraGuests} included, ${formatMoney(extraGuestCents)} each)`
      : '';
  return `${quote.label}, ${durationLabel(durationMinutes)}, ${guests}${extra}`;
}

function renderQuote() {
  const values = formValues();
  const offer = offerOf(values.serviceType);
  const charter = Boolean(offer?.charter);
  if (charter) renderCharterFields(offer);
  show(byId('charter-fields'), charter);
  show(byId('window-field'), !charter);
  show(byId('address-field'), !charter);
  show(byId('photos-field'), !charter);
  show(byId('endDate-field'), offer?.extraDayCents !== undefined);
  const quote = offer
    ? quoteFor(brand, values.serviceType, values.preferredDate, values.endDate, {
        durationMinutes: values.durationMinutes,
        guestCount: values.guestCount,
      })
    : undefined;
  show(byId('quote'), Boolean(quote));
  if (!quote) return;
  setText(byId('quote-total'), `${quote.charter || !charter ? '' : 'From '}${formatMoney(quote.totalCents)}`);
  setText(
    byId('quote-detail'),
    quote.charter ? charterDetail(quote) : `${quote.label}${quote.days > 1 ? `, ${quote.days} days` : ''}`,
  );
}

/** A service's price as the choice shows it. */
function priceOf(offer) {
  if (offer.charter) {
    const { hourlyCents, capacity } = offer.charter;
    return `${formatMoney(hourlyCents)} an hour, up to ${capacity} guests`;
  }
  return offer.extraDayCents === undefined
    ? formatMoney(offer.priceCents)
    : `${formatMoney(offer.priceCents)}, then ${formatMoney(offer.extraDayCents)} per extra day`;
}

function renderBrand() {
  applyBrand(brand);
  document.title = `Book online · ${brand.displayName}`;
  // The consent record keeps these exact words (the brand profile's), so the page shows them as given.
  if (brand.smsConsentWording)
    setText(document.querySelector('label[for="smsConsent"]'), brand.smsConsentWording);
  const choices = byId('service-choices');
  choices.replaceChildren(
    ...brand.serviceTypes.map((offer, index) => {
      const id = `service-${offer.serviceType}`;
      const price = priceOf(offer);
      return h(
        'div',
        { class: 'choice' },
        h('input', {
          type: 'radio',
          name: 'serviceType',
          id,
          value: offer.serviceType,
          checked: brand.serviceTypes.length === 1 && index === 0,
        }),
        h(
          'label',
          { for: id },
          h('span', { class: 'choice-label' }, offer.label),
          h('span', { class: 'choice-price' }, price),
        ),
      );
    }),
  );
  const windows = byId('window');
  for (const [name, hours] of Object.entries(brand.windows)) {
    windows.append(h('option', { value: name }, windowLabel(name, hours)));
  }
  const methods = paymentMethods();
  byId('payment-choices').replaceChildren(
    ...methods.map((method) =>
      h(
        'div',
        { class: 'choice' },
        h('input', {
          type: 'radio',
          name: 'paymentMethod',
          id: `pay-${method}`,
          value: method,
          checked: methods.length === 1,
        }),
        h(
          'label',
          { for: `pay-${method}` },
          h('span', { class: 'choice-label' }, METHOD_LABELS[method] ?? method),
          method === 'card'
            ? h('span', { class: 'choice-price' }, `${brand.payments.depositPercent}% deposit by card`)
            : '',
        ),
      ),
    ),
  );
  show(byId('paymentMethod-field'), methods.length > 0);
  const today = todayIn(brand.timeZone);
  byId('preferredDate').min = today;
  byId('endDate').min = today;
}

/** "Afternoon (12 pm – 5 pm)": a window as the form and the confirmation name it. */
function windowLabel(name, hours) {
  return `${name[0].toUpperCase()}${name.slice(1)} (${formatClock(hours.start)} – ${formatClock(hours.end)})`;
}

function confirm(values, answer) {
  const { quote } = answer;
  byId('confirmation-text').replaceChildren(
    `Thanks, ${values.name.trim().split(/\s+/)[0]}. We’ll text `,
    h('span', { class: 'nowrap' }, values.phone.trim()),
    ` once we’ve scheduled your ${quote.label.toLowerCase()}.`,
  );
  setText(byId('confirmation-service'), quote.label);
  setText(
    byId('confirmation-date'),
    values.endDate && quote.days > 1
      ? `${formatDay(values.preferredDate)} – ${formatDay(values.endDate)}`
      : formatDay(values.preferredDate),
  );
  // "Any time" is no time: the row is left out rather than shown empty.
  const hours = values.window && !quote.charter ? brand.windows[values.window] : undefined;
  const time = quote.charter
    ? `${formatClock(values.departureTime)}, ${durationLabel(quote.charter.durationMinutes)}`
    : hours
      ? windowLabel(values.window, hours)
      : '';
  setText(byId('confirmation-time-label'), quote.charter ? 'Departure' : 'Time');
  setText(byId('confirmation-time'), time);
  show(byId('confirmation-time-label'), time !== '');
  show(byId('confirmation-time'), time !== '');
  const charter = offerOf(values.serviceType)?.charter;
  setText(byId('confirmation-guests'), quote.charter ? String(quote.charter.guestCount) : '');
  setText(byId('confirmation-boarding'), charter ? charter.meetingPoint : '');
  for (const row of ['confirmation-guests', 'confirmation-boarding']) {
    show(byId(row), Boolean(quote.charter));
    show(byId(`${row}-label`), Boolean(quote.charter));
  }
  setText(
    byId('confirmation-quote'),
    `${formatMoney(quote.totalCents)}${quote.days > 1 ? ` for ${quote.days} days` : ''}`,
  );
  const payment = answer.payment;
  const paymentText =
    payment?.method === 'card'
      ? `Deposit due now: ${formatMoney(payment.amountDueCents)}, by card.`
      : (payment?.instructions ?? '');
  setText(byId('confirmation-payment'), paymentText);
  show(byId('confirmation-payment'), Boolean(paymentText));
  show(byId('pay-deposit'), payment?.method === 'card');
  byId('pay-deposit').onclick = () =>
    goToCheckout(answer.jobId, byId('pay-deposit'), byId('checkout-problem'));
  show(form, false);
  show(byId('confirmation'), true);
  byId('confirmation-heading').focus();
  // A card booking goes straight on to Stripe Checkout; the button is there if that fails or they return.
  if (payment?.method === 'card') goToCheckout(answer.jobId, byId('pay-deposit'), byId('checkout-problem'));
}

/** Starts a Stripe Checkout Session for the booking's deposit and sends the customer there. */
async function goToCheckout(jobId, button, problem) {
  button.disabled = true;
  show(problem, false);
  try {
    const answer = await callApi(`/bookings/${encodeURIComponent(jobId)}/checkout`, { method: 'POST' });
    if (answer.status === 201 && answer.data?.checkoutUrl) {
      location.assign(answer.data.checkoutUrl);
      return;
    }
    setText(
      problem,
      answer.status === 409
        ? (answer.data?.error ?? 'This booking can’t be paid online.')
        : 'We couldn’t start the card payment. Your request is saved; please try again, or text or call us.',
    );
  } catch {
    setText(problem, UNREACHABLE_PAYMENT);
  }
  show(problem, true);
  button.disabled = false;
}

const UNREACHABLE_PAYMENT =
  'We couldn’t reach the payment page. Your request is saved; please check your connection and try again.';

/** Back from Stripe Checkout (?job=…&payment=paid|cancelled): say where the deposit stands. */
function showPaymentReturn(jobId, outcome) {
  const paid = outcome === 'paid';
  setText(byId('payment-return-heading'), paid ? 'Deposit paid' : 'Payment not completed');
  setText(
    byId('payment-return-text'),
    paid
      ? 'Thank you: your deposit is paid and your request is with us. We’ll text you a receipt, and again once we’ve scheduled your booking.'
      : 'Your booking request is saved, but the deposit wasn’t paid. You can pay it now, or text or call us.',
  );
  show(byId('pay-again'), !paid);
  byId('pay-again').onclick = () => goToCheckout(jobId, byId('pay-again'), byId('payment-return-problem'));
  show(byId('payment-return'), true);
  byId('payment-return-heading').focus();
}

async function submit(event) {
  event.preventDefault();
  const values = formValues();
  const problems = bookingProblems(brand, values, todayIn(brand.timeZone), fullDays);
  if (Object.keys(problems).length > 0) return showProblems(problems);
  showProblems({});
  const button = byId('submit');
  button.disabled = true;
  try {
    // A photo still on its way would be left out (its draft may not even exist yet): the booking waits
    // for it, and stops if one didn't make it, so the customer decides rather than losing it unseen.
    if (photos?.uploading() && !offerOf(values.serviceType)?.charter) {
      setText(button, 'Finishing your photo uploads…');
      const { failed } = await photos.settled();
      if (failed > 0) {
        return showProblems(
          {},
          failed === 1
            ? 'One of your photos didn’t upload (see Photos of your load). Add it again, or send your request without it.'
            : `${failed} of your photos didn’t upload (see Photos of your load). Add them again, or send your request without them.`,
        );
      }
    }
    setText(button, 'Sending…');
    const answer = await callApi('/bookings', { method: 'POST', body: bookingBody(values) });
    if (answer.status === 201) return confirm(values, answer.data);
    if (answer.status === 429) return showProblems({}, RATE_LIMITED);
    // 400: a field the API refused; 409: no trailer free on those days after all (taken meanwhile).
    if ((answer.status === 400 || answer.status === 409) && answer.data?.details?.length) {
      const fromApi = {};
      const unplaced = [];
      for (const detail of answer.data.details) {
        const field = fieldOfApiError(detail.field);
        if (field && FIELDS.includes(field)) fromApi[field] ??= detail.message;
        else unplaced.push(detail.message);
      }
      return showProblems(fromApi, unplaced.length > 0 ? unplaced.join(' ') : undefined);
    }
    return showProblems({}, answer.data?.error ?? UNREACHABLE);
  } catch {
    return showProblems({}, UNREACHABLE);
  } finally {
    button.disabled = false;
    setText(button, 'Request booking');
  }
}

async function start() {
  const config = await siteConfig();
  const requested = new URLSearchParams(location.search).get('brand') ?? config.defaultBrandId;
  const answer = BRAND_ID.test(requested ?? '')
    ? await callApi(`/brands/${encodeURIComponent(requested)}`)
    : { ok: false, status: 404 };
  show(byId('loading'), false);
  if (!answer.ok) {
    setText(
      byId('unavailable'),
      answer.status === 404
        ? 'Online booking isn’t available from this link. Please text or call us to book.'
        : 'Online booking isn’t available right now. Please try again in a moment.',
    );
    show(byId('unavailable'), true);
    return;
  }
  brand = answer.data;
  const params = new URLSearchParams(location.search);
  const returning = params.get('payment');
  if (JOB_ID.test(params.get('job') ?? '') && (returning === 'paid' || returning === 'cancelled')) {
    applyBrand(brand);
    return showPaymentReturn(params.get('job'), returning);
  }
  if (brand.serviceTypes.some((offer) => offer.usesTrailer)) {
    // Without it the page still works: the API refuses a day with no trailer free (409).
    const today = todayIn(brand.timeZone);
    const until = new Date(Date.parse(`${today}T00:00:00Z`) + (AVAILABILITY_DAYS - 1) * 86_400_000)
      .toISOString()
      .slice(0, 10);
    const availability = await callApi(
      `/brands/${encodeURIComponent(brand.brandId)}/availability?from=${today}&to=${until}`,
    ).catch(() => undefined);
    if (availability?.ok) fullDays = daysWithNoTrailer(availability.data);
  }
  renderBrand();
  photos = createBookingPhotos({ brandId: brand.brandId });
  renderQuote();
  form.addEventListener('input', renderQuote);
  form.addEventListener('change', renderQuote);
  form.addEventListener('submit', submit);
  show(form, true);
}

start().catch(() => {
  show(byId('loading'), false);
  setText(byId('unavailable'), 'Online booking isn’t available right now. Please try again in a moment.');
  show(byId('unavailable'), true);
});
