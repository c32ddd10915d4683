// What every page shares: the site configuration, API calls, the brand's look, dates in the brand's
// time zone, and DOM updates that change only what changed (pages refresh in place, without flicker).

/** Page tokens as the services issue them: URL-safe base64 (tracking 32 characters, crew 43). */
const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

let configRequest;

/**
 * `/config.json`, written next to the pages by the deploy step (locally: served by the local cloud):
 * `{ apiBaseUrl, defaultBrandId }`. The API lives on another origin than the site.
 */
export function siteConfig() {
  configRequest ??= fetch('/config.json', { cache: 'no-cache' }).then((response) => {
    if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
    return response.json();
  });
  return configRequest;
}

/**
 * Calls the API: `{ status, ok, data }` for any HTTP answer (data is the JSON body, if any); throws only
 * when the network fails. `grant` is the tracking grant for the customer's photo and message routes.
 */
export async function callApi(path, { method = 'GET', body, grant } = {}) {
  const { apiBaseUrl } = await siteConfig();
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (grant) headers.authorization = `Bearer ${grant}`;
  const response = await fetch(`${apiBaseUrl.replace(/\/$/, '')}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
    referrerPolicy: 'no-referrer',
  });
  let data;
  try {
    data = await response.json();
  } catch {
    data = undefined;
  }
  return { status: response.status, ok: response.ok, data };
}

/** The token in `/<prefix>/<token>`, or undefined when the path holds nothing token-shaped. */
export function tokenFromPath(pathname = location.pathname) {
  const token = pathname.split('/')[2] ?? '';
  return TOKEN.test(token) ? token : undefined;
}

// ---- DOM ------------------------------------------------------------------------------------------

/**
 * Posts a file to the bucket with the signed POST policy an upload route answered (`{ url, fields }`):
 * the policy's fields first, the file last, as S3 requires; no Referer, so the page's path (which holds
 * the customer's link) never reaches the bucket's logs. Resolves to whether S3 took it.
 */
export async function postSignedUpload(upload, file) {
  const form = new FormData();
  for (const [field, value] of Object.entries(upload.fields)) form.append(field, value);
  form.append('file', file);
  const sent = await fetch(upload.url, { method: 'POST', body: form, referrerPolicy: 'no-referrer' });
  return sent.ok;
}

export const byId = (id) => document.getElementById(id);

/** Sets text only when it differs, so a refresh with nothing new touches nothing. */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

export function show(node, visible) {
  if (node.hidden === visible) node.hidden = !visible;
}

export function setAttribute(node, name, value) {
  if (value === undefined || value === null || value === false) {
    if (node.hasAttribute(name)) node.removeAttribute(name);
  } else if (node.getAttribute(name) !== String(value)) {
    node.setAttribute(name, String(value));
  }
}

/** `h('li', { class: 'step' }, 'text', child)`: an element with attributes and children. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) setAttribute(element, name, value);
  element.append(...children.filter((child) => child !== undefined && child !== null && child !== false));
  return element;
}

/**
 * Replaces the whole page with one message (unknown or expired links) and how to reach the site's own
 * brand: nothing about what the link might have been, since the brand is the site's, not the link's.
 */
export function showOnly(message, title) {
  document.title = title;
  document.documentElement.removeAttribute('style');
  const contact = h('p', { id: 'contact', class: 'contact' });
  const main = h('main', { class: 'only-message' }, h('p', { id: 'only-message' }, message), contact);
  document.body.replaceChildren(main);
  return showContact(contact);
}

/** A US number as people write it: +16195550100 → (619) 555-0100; anything else as given. */
export function formatPhone(e164) {
  const us = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  return us ? `(${us[1]}) ${us[2]}-${us[3]}` : e164;
}

/**
 * "Questions? Call or text QuickDumpNow at (619) 555-0100." for the site's brand, in `node`; nothing
 * when the brand has no contact number or can't be loaded (the page's message stands on its own).
 */
export async function showContact(node) {
  try {
    const { defaultBrandId } = await siteConfig();
    const answer = await callApi(`/brands/${encodeURIComponent(defaultBrandId)}`);
    const brand = answer.ok ? answer.data : undefined;
    if (!brand?.contactPhone) return;
    node.replaceChildren(
      `Questions? Call or text ${brand.displayName} at `,
      h('a', { href: `tel:${brand.contactPhone}` }, formatPhone(brand.contactPhone)),
      '.',
    );
  } catch {
    // Offline or the API is down: the not-found message alone is still true.
  }
}

// ---- The brand's look ------------------------------------------------------------------------------

function channels(hex) {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

function toHex(rgb) {
  return `#${rgb.map((channel) => Math.round(channel).toString(16).padStart(2, '0')).join('')}`;
}

/** WCAG relative luminance. */
function luminance(hex) {
  const [r, g, b] = channels(hex).map((channel) => {
    const c = channel / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a, b) {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

/** White or near-black, whichever reads better on the colour. */
export function textOn(background) {
  return contrast('#ffffff', background) >= contrast('#111111', background) ? '#ffffff' : '#111111';
}

/** The colour, darkened just enough to read as text on white (WCAG AA, 4.5:1). */
export function readableOnWhite(color) {
  let rgb = channels(color);
  while (contrast(toHex(rgb), '#ffffff') < 4.5) rgb = rgb.map((channel) => channel * 0.92);
  return toHex(rgb);
}

/**
 * Speaks as the job's brand: its name, logo and colours (brand configuration `theme`). Text colours are
 * derived from the brand's so every combination keeps its contrast, whatever the brand picked.
 */
export function applyBrand(brand) {
  const style = document.documentElement.style;
  const { primaryColor, accentColor, logoUrl } = brand.theme;
  const values = {
    '--brand': primaryColor,
    '--on-brand': textOn(primaryColor),
    '--brand-text': readableOnWhite(primaryColor),
    '--accent': accentColor,
    '--on-accent': textOn(accentColor),
  };
  for (const [name, value] of Object.entries(values)) {
    if (style.getPropertyValue(name) !== value) style.setProperty(name, value);
  }
  const bar = byId('brand-bar');
  setText(byId('brand-name'), brand.displayName);
  const logo = byId('brand-logo');
  // Same-origin logos only: the CSP allows no other image host for them.
  if (logoUrl?.startsWith('/') && !logoUrl.startsWith('//')) {
    setAttribute(logo, 'src', logoUrl);
    show(logo, true);
  } else {
    show(logo, false);
  }
  show(bar, true);
}

// ---- Dates and times -------------------------------------------------------------------------------

const LOCALE = 'en-US';

/** "2026-12-01" → "Tuesday, December 1" (a calendar date: no time zone can move it). */
export function formatDay(isoDate) {
  return new Intl.DateTimeFormat(LOCALE, {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(`${isoDate}T12:00:00Z`));
}

/** "17:30" → "5:30 PM". */
export function formatClock(hhmm) {
  const [hours, minutes] = hhmm.split(':').map(Number);
  return new Intl.DateTimeFormat(LOCALE, { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' }).format(
    new Date(Date.UTC(2000, 0, 1, hours, minutes)),
  );
}

/** "17:30" minus 15 minutes → "17:15". */
export function clockMinus(hhmm, minutes) {
  const [h, m] = hhmm.split(':').map(Number);
  const total = (((h * 60 + m - minutes) % 1440) + 1440) % 1440;
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

/** An instant in the brand's time zone: "Dec 1, 2:35 PM", or "2:35 PM" with `{ timeOnly: true }`. */
export function formatInstant(iso, timeZone, { timeOnly = false } = {}) {
  return new Intl.DateTimeFormat(LOCALE, {
    ...(timeOnly ? {} : { month: 'short', day: 'numeric' }),
    hour: 'numeric',
    minute: '2-digit',
    timeZone,
  }).format(new Date(iso));
}

/** "just now", "4 min ago", "2 h ago", or the date for anything older than a day. */
export function ago(iso, timeZone, now = Date.now()) {
  const minutes = Math.floor((now - Date.parse(iso)) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)} h ago`;
  return `on ${formatInstant(iso, timeZone)}`;
}

/** Today's date (YYYY-MM-DD) in a time zone. */
export function todayIn(timeZone, now = new Date()) {
  return new Intl.DateTimeFormat('en-CA', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    timeZone,
  }).format(now);
}

export function formatMoney(cents) {
  return new Intl.NumberFormat(LOCALE, { style: 'currency', currency: 'USD' }).format(cents / 100);
}

/**
 * Runs `refresh` now and then every `seconds`, never two at once; while the phone's screen is off or
 * the tab hidden it waits, and catches up as soon as the page is visible again.
 */
export function everySeconds(seconds, refresh) {
  let timer;
  let running = false;
  let stopped = false;
  async function tick() {
    clearTimeout(timer);
    if (stopped || running) return;
    if (document.hidden) return;
    running = true;
    try {
      const keepGoing = await refresh();
      if (keepGoing === false) stopped = true;
    } finally {
      running = false;
      if (!stopped) timer = setTimeout(tick, seconds * 1000);
    }
  }
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) tick();
  });
  tick();
}

/**
 * One refresh of a page's view (the tracking view, the crew view): its data; `null` once the link is
 * gone (the page then shows only `notFoundMessage`); `undefined` when it could not be loaded this time
 * (the connection line says so and the next refresh tries again).
 */
export async function loadView(path, notFoundMessage) {
  let answer;
  try {
    answer = await callApi(path);
  } catch {
    setText(byId('connection'), 'Can’t reach us right now — trying again in a few seconds.');
    return undefined;
  }
  if (answer.status === 404 || answer.status === 400) {
    showOnly(notFoundMessage, 'Link not valid');
    return null;
  }
  if (!answer.ok) {
    setText(byId('connection'), 'Can’t refresh right now — trying again in a few seconds.');
    return undefined;
  }
  setText(byId('connection'), '');
  return answer.data;
}
