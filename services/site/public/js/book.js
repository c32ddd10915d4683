// The booking page (/book, /book?brand=<brandId>): the brand's services and prices, the form with the
// same rules as the API's (checked here first, so most mistakes never leave the phone), the quote, and
// a confirmation. Whatever the API still refuses is shown next to its field.

import { bookingProblems, daysWithNoTrailer, fieldOfApiError, quoteFor } from './booking-rules.js';
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
  'window',
  'name',
  'phone',
  'email',
  'address',
  'notes',
  'smsConsent',
];
const BRAND_ID = /^[a-z][a-z0-9-]{0,40}$/;

const RATE_LIMITED =
  'We’ve had several online booking requests from this phone number or network in a short time, so we ' +
  'can’t take another one online right now. The limit keeps our schedule free of spam. Please text or ' +
  'call us to book, or try again tomorrow.';
const UNREACHABLE =
  'We couldn’t send your request, so nothing was booked. Please check your connection and try again.';

const form = byId('booking-form');
let brand;
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
    name: value('name'),
    phone: value('phone'),
    email: value('email'),
    address: value('address'),
    notes: value('notes'),
    smsConsent: byId('smsConsent').checked,
  };
}

function bookingBody(values) {
  const offer = brand.serviceTypes.find((candidate) => candidate.serviceType === values.serviceType);
  return {
    brandId: brand.brandId,
    name: values.name.trim(),
    phone: values.phone.trim(),
    ...(values.email.trim() ? { email: values.email.trim() } : {}),
    address: { text: values.address.trim() },
    serviceType: values.serviceType,
    preferredDate: values.preferredDate,
    ...(values.endDate && offer?.extraDayCents !== undefined ? { endDate: values.endDate } : {}),
    ...(values.window ? { window: values.window } : {}),
    ...(values.notes.trim() ? { notes: values.notes.trim() } : {}),
    smsConsent: values.smsConsent,
  };
}

function controlOf(field) {
  return field === 'serviceType' ? form.querySelector('input[name="serviceType"]') : byId(field);
}

/** Shows each problem next to its field (and a summary on top), or clears them all. */
function showProblems(problems, summary) {
  for (const field of FIELDS) {
    const message = problems[field];
    const error = byId(`${field}-error`);
    setText(error, message ?? '');
    show(error, Boolean(message));
    const control = field === 'serviceType' ? byId('serviceType-field') : byId(field);
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

function renderQuote() {
  const values = formValues();
  const offer = brand.serviceTypes.find((candidate) => candidate.serviceType === values.serviceType);
  show(byId('endDate-field'), offer?.extraDayCents !== undefined);
  const quote = offer ? quoteFor(brand, values.serviceType, values.preferredDate, values.endDate) : undefined;
  show(byId('quote'), Boolean(quote));
  if (!quote) return;
  setText(byId('quote-total'), formatMoney(quote.totalCents));
  setText(byId('quote-detail'), `${quote.label}${quote.days > 1 ? `, ${quote.days} days` : ''}`);
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
      const price =
        offer.extraDayCents === undefined
          ? formatMoney(offer.priceCents)
          : `${formatMoney(offer.priceCents)}, then ${formatMoney(offer.extraDayCents)} per extra day`;
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
  const hours = values.window ? brand.windows[values.window] : undefined;
  setText(byId('confirmation-time'), hours ? windowLabel(values.window, hours) : '');
  show(byId('confirmation-time-label'), hours !== undefined);
  show(byId('confirmation-time'), hours !== undefined);
  setText(
    byId('confirmation-quote'),
    `${formatMoney(quote.totalCents)}${quote.days > 1 ? ` for ${quote.days} days` : ''}`,
  );
  show(form, false);
  show(byId('confirmation'), true);
  byId('confirmation-heading').focus();
}

async function submit(event) {
  event.preventDefault();
  const values = formValues();
  const problems = bookingProblems(brand, values, todayIn(brand.timeZone), fullDays);
  if (Object.keys(problems).length > 0) return showProblems(problems);
  showProblems({});
  const button = byId('submit');
  button.disabled = true;
  setText(button, 'Sending…');
  try {
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
