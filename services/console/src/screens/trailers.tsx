// The brand's fleet over a date range (issue 19): per trailer, its bookings (each opening the job) and
// its free days, from GET /brands/{brandId}/trailers. Phone-first: one card per trailer, stretches of
// days in words; the day strip is a picture of the same, hidden from screen readers.
import { useSignal } from '@preact/signals';
import { addDays } from '@qdn/shared/zoned-time';
import { useEffect } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, type TrailerSchedule } from '../api.ts';
import { today } from '../business-time.ts';
import { dayRangeText, trailerRuns } from '../domain.ts';
import { usePolling } from '../use-polling.ts';
import { brandWindows } from './board.tsx';

const TRAILERS_POLL_MS = 15_000;
const SPANS = [7, 14, 31] as const;
/** The catalog's default brand: the one with trailers (the charter brands have none). */
const DEFAULT_BRAND = 'qdn';

const STATE_WORDS = { free: 'free', booked: 'booked', 'out-of-service': 'out of service' } as const;

function TrailerCard({ trailer }: { trailer: TrailerSchedule }) {
  const runs = trailerRuns(trailer.days);
  const count = (state: keyof typeof STATE_WORDS) => trailer.days.filter((day) => day.state === state).length;
  const bookings = runs.filter((run) => run.state === 'booked');
  const free = runs.filter((run) => run.state === 'free');
  const outOfService = runs.filter((run) => run.state === 'out-of-service');
  const headingId = `trailer-${trailer.trailerId}`;
  return (
    <li class="card trailer" data-trailer-id={trailer.trailerId}>
      <h2 id={headingId}>
        {trailer.name}{' '}
        <span class="muted">
          · {trailer.trailerId} · {trailer.size}
        </span>
      </h2>
      <p class="trailer-summary">
        {count('booked')} booked · {count('free')} free
        {count('out-of-service') > 0 ? ` · ${count('out-of-service')} out of service` : ''}
      </p>
      <ol class="day-strip" aria-hidden="true">
        {trailer.days.map((day) => (
          <li key={day.date} class={`day day-${day.state}`} title={`${day.date} ${STATE_WORDS[day.state]}`} />
        ))}
      </ol>
      <h3>Bookings</h3>
      {bookings.length === 0 ? (
        <p class="empty">None</p>
      ) : (
        <ul class="trailer-bookings">
          {bookings.map((run) => (
            <li key={`${run.jobId}-${run.from}`}>
              <a href={`/?date=${run.from}&job=${run.jobId}`}>
                {dayRangeText(run.from, run.to)} <span class="muted">· job {run.jobId}</span>
              </a>
            </li>
          ))}
        </ul>
      )}
      <h3>Free</h3>
      <p class="trailer-free">
        {free.length === 0 ? 'No free day' : free.map((run) => dayRangeText(run.from, run.to)).join(', ')}
      </p>
      {outOfService.length > 0 && (
        <p class="trailer-out">
          Out of service: {outOfService.map((run) => dayRangeText(run.from, run.to)).join(', ')}
        </p>
      )}
    </li>
  );
}

export function Trailers() {
  const { query, route } = useLocation();
  const brandId = query.brand ?? DEFAULT_BRAND;
  const from = query.from ?? today();
  const span = SPANS.find((days) => String(days) === query.days) ?? 14;
  const to = addDays(from, span - 1);
  const trailers = useSignal<TrailerSchedule[] | undefined>(undefined);

  const error = usePolling(
    async () => {
      trailers.value = (await api.trailers(brandId, from, to)).trailers;
    },
    TRAILERS_POLL_MS,
    [brandId, from, to],
  );
  useEffect(() => {
    trailers.value = undefined;
  }, [brandId, from, to]);

  const setQuery = (changes: Record<string, string>) => {
    const next = new URLSearchParams({ brand: brandId, from, days: String(span), ...changes });
    route(`/trailers?${next}`);
  };
  const brands = [...new Set([brandId, ...Object.keys(brandWindows.value)])].sort();

  return (
    <main class="trailers">
      <div class="toolbar">
        <h1>Trailers</h1>
        <label>
          From{' '}
          <input
            type="date"
            value={from}
            onChange={(event) => event.currentTarget.value && setQuery({ from: event.currentTarget.value })}
          />
        </label>
        <label>
          Days{' '}
          <select value={String(span)} onChange={(event) => setQuery({ days: event.currentTarget.value })}>
            {SPANS.map((days) => (
              <option key={days} value={String(days)}>
                {days}
              </option>
            ))}
          </select>
        </label>
        <label>
          Brand{' '}
          <select value={brandId} onChange={(event) => setQuery({ brand: event.currentTarget.value })}>
            {brands.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </label>
        <span class="live" role="status">
          {error.value ? `Offline, showing the last answer: ${error.value}` : dayRangeText(from, to)}
        </span>
      </div>
      {trailers.value === undefined ? (
        <p class="loading">Loading the fleet…</p>
      ) : trailers.value.length === 0 ? (
        <p class="empty">This brand has no trailers.</p>
      ) : (
        <ul class="trailer-list">
          {trailers.value.map((trailer) => (
            <TrailerCard key={trailer.trailerId} trailer={trailer} />
          ))}
        </ul>
      )}
    </main>
  );
}
