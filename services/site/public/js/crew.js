// The crew page (/crew/{token}): the charter as the crew sees it (the scc-bridge's crew view: no price,
// no revenue, no customer phone) and its checklist, ticked from a phone on the dock. Refreshes every
// 10 s so a tick by someone else shows up.
import {
  applyBrand,
  byId,
  callApi,
  everySeconds,
  formatClock,
  formatDay,
  formatInstant,
  h,
  loadView,
  setText,
  show,
  showOnly,
  tokenFromPath,
} from './common.js';

/** The crew routes' own words for every unknown, expired or revoked link. */
const NOT_FOUND = 'This crew link is unknown or no longer valid';
const REFRESH_SECONDS = 10;

const token = tokenFromPath();
let ticking = 0;

function capitalised(text) {
  return text ? `${text[0].toUpperCase()}${text.slice(1)}` : text;
}

function renderCharter(page) {
  const { charter } = page;
  const timeZone = charter.timeZone;
  const title = `${charter.eventName} · ${page.brand.displayName} crew`;
  if (document.title !== title) document.title = title;
  setText(byId('you'), page.you ? `Hi ${page.you.firstName} · ${page.you.role}` : 'Crew');
  setText(byId('event-name'), charter.eventName);
  setText(
    byId('event-date'),
    charter.endDate && charter.endDate !== charter.date
      ? `${formatDay(charter.date)} – ${formatDay(charter.endDate)}`
      : formatDay(charter.date),
  );
  const time = charter.time
    ? `${formatClock(charter.time)}${charter.endTime ? ` – ${formatClock(charter.endTime)}` : ''}`
    : 'To be confirmed';
  setText(byId('event-time'), time);
  setText(byId('event-meeting-point'), charter.meetingPoint ?? 'To be confirmed');
  setText(byId('event-vessel'), charter.vessel ?? 'To be confirmed');
  setText(byId('event-guests'), charter.guestCount ? String(charter.guestCount) : 'To be confirmed');
  setText(byId('event-notes'), charter.notes ?? '');
  show(byId('event-notes'), Boolean(charter.notes));

  const crew = byId('crew-list');
  const crewKey = JSON.stringify(charter.crew);
  if (crew.dataset.crew !== crewKey) {
    crew.replaceChildren(
      ...charter.crew.map((member) => h('li', {}, `${member.firstName} · ${capitalised(member.role)}`)),
    );
    crew.dataset.crew = crewKey;
  }
  setText(byId('link-expiry'), `This link works until ${formatInstant(page.linkExpiresAt, timeZone)}.`);
}

function renderChecklist(page) {
  const list = byId('checklist');
  const items = new Map([...list.children].map((item) => [item.dataset.itemId, item]));
  for (const item of page.checklist) {
    let row = items.get(item.itemId);
    if (!row) {
      const id = `item-${item.itemId}`;
      const box = h('input', { type: 'checkbox', id, 'aria-describedby': `${id}-by` });
      box.addEventListener('change', () => tick(item.itemId, box));
      row = h(
        'li',
        { 'data-item-id': item.itemId },
        box,
        h('label', { for: id }, item.label),
        h('span', { class: 'tick-by muted', id: `${id}-by` }),
      );
      list.append(row);
    }
    const box = row.querySelector('input');
    if (!box.disabled && box.checked !== item.done) box.checked = item.done;
    setText(
      row.querySelector('.tick-by'),
      item.done && item.by ? `Done by ${item.by}, ${formatInstant(item.at, page.charter.timeZone)}` : '',
    );
  }
  show(byId('no-checklist'), page.checklist.length === 0);
}

function render(page) {
  applyBrand(page.brand);
  renderCharter(page);
  renderChecklist(page);
  show(byId('loading'), false);
  show(byId('crew'), true);
}

async function tick(itemId, box) {
  const done = box.checked;
  box.disabled = true;
  ticking += 1;
  setText(byId('checklist-status'), 'Saving…');
  try {
    const answer = await callApi(
      `/crew/${encodeURIComponent(token)}/checklist/${encodeURIComponent(itemId)}`,
      {
        method: 'POST',
        body: { done },
      },
    );
    if (answer.status === 404 && answer.data?.error === NOT_FOUND)
      return showOnly(NOT_FOUND, 'Link not valid');
    if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
    box.disabled = false;
    render(answer.data);
    setText(byId('checklist-status'), 'Saved.');
  } catch {
    box.checked = !done;
    box.disabled = false;
    setText(byId('checklist-status'), 'Not saved: no connection. Please tick it again.');
  } finally {
    ticking -= 1;
  }
}

async function refresh() {
  // A tick on its way answers with the whole page; a refresh meanwhile could show the old state.
  if (ticking > 0) return true;
  const view = await loadView(`/crew/${encodeURIComponent(token)}`, NOT_FOUND);
  if (view === null) return false;
  if (view !== undefined && ticking === 0) render(view);
  return true;
}

if (token) everySeconds(REFRESH_SECONDS, refresh);
else showOnly(NOT_FOUND, 'Link not valid');
