// The customer's tracking page (/track/{token}), also the charter guest's page (/g/{token}): status steps
// with times, the schedule, the ETA and the truck's last location while on the way, the job's photos
// (and adding one), the customer's own messages. Refreshes every 10 s in place.
import {
  ago,
  applyBrand,
  byId,
  callApi,
  clockMinus,
  everySeconds,
  formatClock,
  formatDay,
  formatInstant,
  h,
  loadView,
  setAttribute,
  setText,
  show,
  showOnly,
  tokenFromPath,
} from './common.js';
import { showTruck } from './map.js';
import { createPhotoGallery } from './photos.js';

/** The tracking API's own words for every unknown, rotated or expired link (one answer for all). */
export const NOT_FOUND = 'Job not found, or this tracking link is no longer valid';
const REFRESH_SECONDS = 10;

const WORDS = {
  job: {
    requested: 'Request received',
    scheduled: 'Scheduled',
    en_route: 'On the way',
    arrived: 'Arrived',
    complete: 'Done',
    cancelled: 'Cancelled',
  },
  charter: {
    requested: 'Request received',
    scheduled: 'Confirmed',
    en_route: 'Boat being readied',
    arrived: 'Ready to board',
    complete: 'Charter complete',
    cancelled: 'Cancelled',
  },
};
const STEPS = ['scheduled', 'en_route', 'arrived', 'complete'];
/** Guests are asked to come this many minutes before departure. */
const CHECK_IN_MINUTES_BEFORE = 15;

const token = tokenFromPath();
let grant;
let photos;

/** The job id the grant is for (its subject): the photo and message routes are per job. */
function jobIdOf(jwt) {
  const payload = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(atob(payload)).sub;
}

/**
 * A charter speaks of the charter and shows its check-in details, whichever link the guest has:
 * /g/{token}, or the /track/{token} link in their texts.
 */
function wordsFor(job) {
  return job.charter ? WORDS.charter : WORDS.job;
}

function renderStatus(view) {
  const { job } = view;
  const words = wordsFor(job);
  const timeZone = job.schedule.timeZone;
  setText(byId('greeting'), `Hi ${job.firstName}`);
  setText(byId('headline'), `Your ${job.serviceLabel.toLowerCase()}`);
  setText(byId('status-text'), words[job.status] ?? job.status);
  setAttribute(byId('status-card'), 'data-status', job.status);
  setText(byId('updated'), `Updated ${ago(job.updatedAt, timeZone)}`);

  const steps = job.status === 'requested' ? ['requested', ...STEPS] : STEPS;
  const list = byId('steps');
  if (list.dataset.steps !== steps.join()) {
    list.replaceChildren(
      ...steps.map((status) =>
        h(
          'li',
          { 'data-step': status },
          h('span', { class: 'step-label' }, words[status]),
          h('span', { class: 'step-time' }),
        ),
      ),
    );
    list.dataset.steps = steps.join();
  }
  const current = steps.indexOf(job.status);
  for (const [index, item] of [...list.children].entries()) {
    const status = item.dataset.step;
    const reached = job.reachedAt[status];
    const state = current === -1 ? 'todo' : index < current ? 'done' : index === current ? 'current' : 'todo';
    setAttribute(item, 'class', `step ${state}`);
    setAttribute(item, 'aria-current', state === 'current' ? 'step' : undefined);
    setText(item.querySelector('.step-time'), reached ? formatInstant(reached, timeZone) : '');
  }
  show(byId('cancelled'), job.status === 'cancelled');
  show(list, job.status !== 'cancelled');
}

function scheduleText(schedule) {
  const days = schedule.endDate
    ? `${formatDay(schedule.date)} – ${formatDay(schedule.endDate)}`
    : formatDay(schedule.date);
  if (schedule.time) return { days, time: formatClock(schedule.time) };
  if (schedule.windowStart)
    return { days, time: `${formatClock(schedule.windowStart)} – ${formatClock(schedule.windowEnd)}` };
  return { days, time: 'We’ll text you the time' };
}

function renderSchedule(job) {
  const { days, time } = scheduleText(job.schedule);
  setText(byId('schedule-service'), job.serviceLabel);
  setText(byId('schedule-date'), days);
  setText(byId('schedule-time'), time);
}

function renderCheckIn(job) {
  const charter = job.charter;
  show(byId('checkin-card'), Boolean(charter));
  if (!charter) return;
  const departure = job.schedule.time ?? job.schedule.windowStart;
  setText(byId('checkin-meeting-point'), charter.meetingPoint);
  setText(byId('checkin-vessel'), charter.vessel);
  setText(byId('checkin-guests'), String(charter.guestCount));
  setText(
    byId('checkin-time'),
    departure
      ? `By ${formatClock(clockMinus(departure, CHECK_IN_MINUTES_BEFORE))} on ${formatDay(job.schedule.date)} (departure ${formatClock(departure)})`
      : `${CHECK_IN_MINUTES_BEFORE} minutes before departure on ${formatDay(job.schedule.date)}`,
  );
}

function renderEta(job) {
  const onTheWay = job.status === 'en_route';
  show(byId('eta-card'), onTheWay);
  if (!onTheWay) return;
  const timeZone = job.schedule.timeZone;
  const leftAt = job.reachedAt.en_route;
  if (job.etaMinutes !== undefined && leftAt) {
    const expected = Date.parse(leftAt) + job.etaMinutes * 60_000;
    const remaining = Math.max(0, Math.round((expected - Date.now()) / 60_000));
    setText(
      byId('eta-text'),
      `Expected around ${formatInstant(new Date(expected).toISOString(), timeZone, { timeOnly: true })}`,
    );
    setText(byId('eta-detail'), remaining > 0 ? `About ${remaining} min away` : 'Arriving any minute');
  } else {
    setText(byId('eta-text'), 'On the way to you');
    setText(byId('eta-detail'), 'We’ll text you when they’re close.');
  }
  const location = job.lastLocation;
  setText(
    byId('location-text'),
    location
      ? `Location updated ${ago(location.recordedAt, timeZone)}`
      : 'Live location not available right now',
  );
  showTruck(byId('map'), location, job.mapImageUrl);
}

// The first view this page gets is the customer opening the link (staff see how often that happened);
// the refreshes after it are the page's own and say so by leaving `open` out.
let opened = false;

async function refresh() {
  const view = await loadView(`/track/${encodeURIComponent(token)}${opened ? '' : '?open=1'}`, NOT_FOUND);
  if (view === null) return false;
  if (view === undefined) return true;
  opened = true;
  grant = view.grant.grant;
  applyBrand(view.brand);
  const title = `${view.job.serviceLabel} · ${view.brand.displayName}`;
  if (document.title !== title) document.title = title;
  renderStatus(view);
  renderSchedule(view.job);
  renderCheckIn(view.job);
  renderEta(view.job);
  show(byId('loading'), false);
  show(byId('tracking'), true);

  const jobId = jobIdOf(grant);
  photos ??= createPhotoGallery({ jobId, grant: () => grant, timeZone: view.job.schedule.timeZone });
  await Promise.allSettled([photos.refresh(), refreshMessages(jobId, view.job.schedule.timeZone)]);
  return true;
}

const messageKey = (message) => `${message.at}|${message.direction}|${message.body}`;

async function refreshMessages(jobId, timeZone) {
  const answer = await callApi(`/track/jobs/${encodeURIComponent(jobId)}/messages`, { grant });
  if (!answer.ok) return;
  const list = byId('message-list');
  const existing = new Map([...list.children].map((item) => [item.dataset.key, item]));
  for (const message of answer.data.messages) {
    const key = messageKey(message);
    let item = existing.get(key);
    if (!item) {
      item = h(
        'li',
        { class: `message ${message.direction}`, 'data-key': key },
        h('p', { class: 'message-body' }, message.body),
        h('p', { class: 'message-meta' }),
      );
      list.append(item);
    }
    const who = message.direction === 'inbound' ? 'You' : 'Us';
    const failed = ['failed', 'undelivered'].includes(message.status);
    setText(
      item.querySelector('.message-meta'),
      `${who} · ${formatInstant(message.at, timeZone)}${failed ? ' · not delivered' : ''}`,
    );
  }
  show(byId('no-messages'), list.children.length === 0);
}

if (token) {
  everySeconds(REFRESH_SECONDS, refresh);
} else {
  showOnly(NOT_FOUND, 'Link not valid');
}
