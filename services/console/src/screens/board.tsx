import { signal, useSignal } from '@preact/signals';
import { DEFAULT_SLA, type SlaThresholds } from '@qdn/shared/sla';
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, type Job, type LocationPoint, listJobs } from '../api.ts';
import { businessTimeZone, learnTimeZone, today } from '../business-time.ts';
import { config } from '../config.ts';
import {
  ageText,
  type BrandWindows,
  brandOptions,
  groupByStatus,
  hasDisputeToAnswer,
  hasFailedRefund,
  mapMarkers,
  STATUS_LABEL,
  slaLevel,
  spanDayText,
  wallClock,
  windowText,
} from '../domain.ts';
import { usePolling } from '../use-polling.ts';
import { Drawer } from './drawer.tsx';

/** How often the board asks for the day (with its ETag: an unchanged day is a 304 with no body). */
export const BOARD_POLL_MS = 1_500;
const LOCATION_POLL_MS = 15_000;

/** Brand windows and SLA thresholds by brand id (GET /brands/{brandId}, public, fetched once per brand). */
export const brandWindows = signal<Record<string, BrandWindows>>({});
const brandSla = signal<Record<string, SlaThresholds>>({});
const asked = new Set<string>();
export function learnBrands(jobs: readonly Job[], apiBaseUrl: string) {
  for (const brandId of new Set(jobs.map((job) => job.brandId))) {
    if (asked.has(brandId)) continue;
    asked.add(brandId);
    fetch(`${apiBaseUrl}/brands/${encodeURIComponent(brandId)}`)
      .then((response) => (response.ok ? response.json() : undefined))
      .then((brand: { windows?: BrandWindows; sla?: SlaThresholds; timeZone?: string } | undefined) => {
        learnTimeZone(brand?.timeZone);
        if (brand?.windows) brandWindows.value = { ...brandWindows.value, [brandId]: brand.windows };
        if (brand?.sla) brandSla.value = { ...brandSla.value, [brandId]: brand.sla };
      })
      .catch(() => asked.delete(brandId));
  }
}

/** Last location per en-route job: the newest point, null when the crew has shared none yet. */
const lastPoints = signal<Record<string, LocationPoint | null>>({});

/** Wide screens get the map on their own; a phone asks for it (~450 KB over a truck's connection). */
const WIDE = '(min-width: 900px)';
type MapState = 'idle' | 'loading' | 'ready' | 'failed';

/**
 * The day on a map (Amazon Location through MapLibre GL JS), under the columns: loaded after the
 * board's first paint from a chunk of its own (board-map.ts), so the first load and first paint
 * stay as they were. Supplementary: every job is in the columns; a marker opens the same drawer.
 */
function BoardMap({ jobs, now, onOpen }: { jobs: readonly Job[]; now: number; onOpen(jobId: string): void }) {
  const styleUrl = config().map?.styleUrl;
  const state = useSignal<MapState>('idle');
  const container = useRef<HTMLDivElement>(null);
  const map = useRef<import('./board-map.ts').BoardMap>(undefined);
  const open = useRef(onOpen);
  open.current = onOpen;
  const markers = mapMarkers(jobs, lastPoints.value, now);

  const load = () => {
    if (!styleUrl || !container.current || state.peek() !== 'idle') return;
    state.value = 'loading';
    const target = container.current;
    import('./board-map.ts')
      .then(({ mountBoardMap }) =>
        mountBoardMap(target, { styleUrl, onOpen: (jobId) => open.current(jobId) }),
      )
      .then((mounted) => {
        map.current = mounted;
        state.value = 'ready';
      })
      .catch(() => {
        state.value = 'failed';
      });
  };

  useEffect(() => {
    if (!styleUrl || !matchMedia(WIDE).matches) return;
    // After the board has painted: the next frame, then a task, so the map's import never delays it.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => {
      timer = setTimeout(load, 0);
    });
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, []);
  useEffect(() => () => map.current?.remove(), []);
  useEffect(() => {
    if (state.value === 'ready') map.current?.update(markers);
  });

  if (!styleUrl) return null;
  const located = markers.jobs.length;
  return (
    <section class="board-map" aria-labelledby="board-map-title">
      <h2 id="board-map-title">Map of the day</h2>
      <p class="map-note">
        {located === jobs.length
          ? `${located} job${located === 1 ? '' : 's'} on the map`
          : `${located} of ${jobs.length} jobs on the map (the others have no located address)`}
        {markers.trucks.length > 0 &&
          `, ${markers.trucks.length} crew${markers.trucks.length === 1 ? '' : 's'} on the way`}
      </p>
      {state.value === 'idle' && !matchMedia(WIDE).matches && (
        <button type="button" onClick={load}>
          Show the map
        </button>
      )}
      {state.value === 'failed' && (
        <p class="map-note" role="status">
          The map could not load; the columns have every job.
        </p>
      )}
      <div
        ref={container}
        class="map-canvas"
        hidden={state.value === 'failed' || (state.value === 'idle' && !matchMedia(WIDE).matches)}
      />
    </section>
  );
}

function JobCard({ job, date, now, onOpen }: { job: Job; date: string; now: number; onOpen: () => void }) {
  const clock = wallClock(now, businessTimeZone());
  const sla = brandSla.value[job.brandId] ?? DEFAULT_SLA;
  const level = slaLevel(job, clock, brandWindows.value[job.brandId], sla);
  const point = lastPoints.value[job.jobId];
  const locationAge = point ? now - Date.parse(point.recordedAt) : undefined;
  const stale = locationAge !== undefined && locationAge > sla.staleLocationMinutes * 60_000;
  const spanDay = spanDayText(job.schedule, date);
  return (
    <li class={`card sla-${level}`} data-job-id={job.jobId}>
      <button type="button" class="card-open" onClick={onOpen}>
        <span class="card-title">{job.customer.name}</span>
        <span class="card-line">{windowText(job, brandWindows.value[job.brandId])}</span>
        {spanDay && <span class="card-line span-day">{spanDay}</span>}
        <span class="card-line">{job.address.text}</span>
        <span class="card-meta">
          <span>Trailer {job.trailerId ?? '—'}</span>
          <span>Crew {(job.crewIds ?? []).join(', ') || 'none'}</span>
          {job.status === 'en_route' && job.etaMinutes !== undefined && <span>ETA {job.etaMinutes} min</span>}
          {job.status === 'en_route' && (
            <span class={stale ? 'stale' : undefined}>
              {locationAge === undefined ? 'no location yet' : `seen ${ageText(locationAge)}`}
            </span>
          )}
        </span>
        {level !== 'ok' && <span class="sla-note">{level === 'late' ? 'Late' : 'Watch'}</span>}
        {/* The customer's money came back to the business: someone has to pay it back another way. */}
        {hasFailedRefund(job) && <span class="sla-note">Refund failed</span>}
        {hasDisputeToAnswer(job) && <span class="sla-note">Dispute to answer</span>}
      </button>
    </li>
  );
}

export function Board() {
  const { query, route, url } = useLocation();
  const date = query.date ?? today();
  const brand = query.brand ?? '';
  const jobs = useSignal<Job[] | undefined>(undefined);
  const etag = useSignal<string | undefined>(undefined);
  const now = useSignal(Date.now());

  const error = usePolling(
    async () => {
      const result = await listJobs({ date }, etag.value);
      now.value = Date.now();
      if (!result) return;
      etag.value = result.etag;
      jobs.value = result.jobs;
      learnBrands(result.jobs, config().apiBaseUrl);
    },
    BOARD_POLL_MS,
    [date],
  );
  useEffect(() => {
    etag.value = undefined;
    jobs.value = undefined;
  }, [date]);

  usePolling(
    async () => {
      const enRoute = (jobs.value ?? []).filter((job) => job.status === 'en_route');
      const points = await Promise.all(
        enRoute.map((job) => api.lastLocation(job.jobId).catch(() => undefined)),
      );
      const next: Record<string, LocationPoint | null> = {};
      enRoute.forEach((job, index) => {
        next[job.jobId] = points[index] ?? null;
      });
      lastPoints.value = next;
    },
    LOCATION_POLL_MS,
    [date, jobs.value?.filter((job) => job.status === 'en_route').length ?? 0],
  );

  useEffect(() => {
    if (jobs.value) performance.mark('board-ready');
  }, [jobs.value !== undefined]);

  // The drawer closed (Escape, ✕, Back): focus goes back to the job's card, not to the top of the page,
  // in the commit that removed the drawer (a layout effect, as StatusActions' refocus).
  const openJob = useRef<string | undefined>(undefined);
  const returnedTo = useRef<string | undefined>(undefined);
  const focusCard = (jobId: string) =>
    document.querySelector<HTMLElement>(`.columns [data-job-id="${CSS.escape(jobId)}"] .card-open`)?.focus();
  useLayoutEffect(() => {
    const closed = openJob.current;
    openJob.current = query.job;
    returnedTo.current = query.job ? undefined : closed;
    if (closed && !query.job) focusCard(closed);
  }, [query.job]);
  // A status changed in the drawer moves the card to another column at the board's next poll, often
  // after the drawer closed: a new element, and the focus on the old one falls to the page. It goes to
  // the moved card, unless the dispatcher has put it somewhere else meanwhile.
  useLayoutEffect(() => {
    const jobId = returnedTo.current;
    if (!jobId) return;
    const active = document.activeElement;
    if (!active || active === document.body) focusCard(jobId);
    else if (!active.closest(`[data-job-id="${CSS.escape(jobId)}"]`)) returnedTo.current = undefined;
  }, [jobs.value]);

  const setQuery = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(url.split('?')[1] ?? '');
    for (const [name, value] of Object.entries(changes)) {
      if (value) next.set(name, value);
      else next.delete(name);
    }
    const search = next.toString();
    route(search ? `/?${search}` : '/');
  };

  const shown = (jobs.value ?? []).filter((job) => !brand || job.brandId === brand);
  return (
    <main class="board">
      <div class="toolbar">
        <h1>Board</h1>
        <label>
          Day{' '}
          <input
            type="date"
            value={date}
            onChange={(event) => setQuery({ date: event.currentTarget.value })}
          />
        </label>
        <label>
          Brand{' '}
          <select
            value={brand}
            onChange={(event) => setQuery({ brand: event.currentTarget.value || undefined })}
          >
            <option value="">All brands</option>
            {brandOptions(jobs.value ?? [], brand).map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </label>
        <span class="live" role="status">
          {error.value ? `Offline, showing the last board: ${error.value}` : 'Live'}
        </span>
      </div>
      {jobs.value === undefined ? (
        <p class="loading">Loading the day…</p>
      ) : (
        <div class="columns">
          {groupByStatus(shown).map((group) => (
            <section
              key={group.status}
              class={`column status-${group.status}`}
              aria-labelledby={`col-${group.status}`}
            >
              <h2 id={`col-${group.status}`}>
                {STATUS_LABEL[group.status]} <span class="count">{group.jobs.length}</span>
              </h2>
              {group.jobs.length === 0 ? (
                <p class="empty">None</p>
              ) : (
                <ul>
                  {group.jobs.map((job) => (
                    <JobCard
                      key={job.jobId}
                      job={job}
                      date={date}
                      now={now.value}
                      onOpen={() => setQuery({ job: job.jobId })}
                    />
                  ))}
                </ul>
              )}
            </section>
          ))}
        </div>
      )}
      {jobs.value !== undefined && (
        <BoardMap jobs={shown} now={now.value} onOpen={(jobId) => setQuery({ job: jobId })} />
      )}
      {/* Keyed by the job: opening another job starts a fresh drawer, never one holding the last job's
          edit form (saved onto the new job) or its text draft. */}
      {query.job && <Drawer key={query.job} jobId={query.job} onClose={() => setQuery({ job: undefined })} />}
    </main>
  );
}
