// A driver's phone: their own jobs of the day (the API returns only jobs whose crew holds their crew
// id), with the status buttons they may use, location sharing while on the way, and photo capture.
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { api, type Job, listJobs } from '../api.ts';
import { user } from '../auth.ts';
import { today } from '../business-time.ts';
import { config } from '../config.ts';
import { spanDayText, statusLabel, windowText } from '../domain.ts';
import { usePolling } from '../use-polling.ts';
import { brandWindows, learnBrands } from './board.tsx';
import { PhotoStrip, StatusActions } from './job-parts.tsx';

const SEND_EVERY_MS = 10_000;

/** Shares the phone's position for one job while switched on: batched, sent every 10 s. */
function LocationSharing({ job }: { job: Job }) {
  const on = useSignal(false);
  const state = useSignal('Off');
  useEffect(() => {
    if (!on.value) return;
    if (!navigator.geolocation) {
      state.value = 'This phone cannot share its location';
      return;
    }
    const points: { lat: number; lng: number; accuracy?: number; recordedAt: string }[] = [];
    const watch = navigator.geolocation.watchPosition(
      (position) => {
        points.push({
          lat: position.coords.latitude,
          lng: position.coords.longitude,
          accuracy: Math.min(position.coords.accuracy, 100_000),
          recordedAt: new Date(position.timestamp).toISOString(),
        });
      },
      (error) => {
        state.value = `Location unavailable: ${error.message}`;
      },
      { enableHighAccuracy: true, maximumAge: 5_000 },
    );
    const flush = async () => {
      if (points.length === 0) return;
      const batch = points.splice(0, 100);
      try {
        await api.shareLocation(job.jobId, batch);
        state.value = `Shared ${new Date().toLocaleTimeString([], { timeStyle: 'short' })}`;
      } catch {
        points.unshift(...batch); // kept for the next try: a flaky connection loses no points
        state.value = 'Offline: will send when back';
      }
    };
    state.value = 'Sharing…';
    void flush();
    const timer = setInterval(() => void flush(), SEND_EVERY_MS);
    const first = setTimeout(() => void flush(), 1_000);
    return () => {
      navigator.geolocation.clearWatch(watch);
      clearInterval(timer);
      clearTimeout(first);
      void flush();
    };
  }, [on.value, job.jobId]);
  return (
    <div class="sharing">
      <button type="button" aria-pressed={on.value} onClick={() => (on.value = !on.value)}>
        {on.value ? 'Stop sharing location' : 'Share my location'}
      </button>
      <span role="status">{state.value}</span>
    </div>
  );
}

export function DriverDay() {
  const jobs = useSignal<Job[] | undefined>(undefined);
  const etag = useSignal<string | undefined>(undefined);
  const date = today();
  const error = usePolling(
    async () => {
      const result = await listJobs({ date }, etag.value);
      if (!result) return;
      etag.value = result.etag;
      jobs.value = result.jobs;
      learnBrands(result.jobs, config().apiBaseUrl);
    },
    3_000,
    [date],
  );
  const replace = (changed: Job) => {
    jobs.value = (jobs.value ?? []).map((job) => (job.jobId === changed.jobId ? changed : job));
  };
  return (
    <main class="driver">
      <h1>My day · {date}</h1>
      <p class="muted">
        Crew {user.value?.crewId ?? '(no crew id on this account: ask the dispatcher)'}
        {error.value ? ` · offline: ${error.value}` : ''}
      </p>
      {jobs.value === undefined ? (
        <p class="loading">Loading your jobs…</p>
      ) : jobs.value.length === 0 ? (
        <p class="empty">No jobs for you today.</p>
      ) : (
        <ul class="driver-jobs">
          {jobs.value.map((job) => (
            <li key={job.jobId} class="card" data-job-id={job.jobId}>
              <h2>
                {job.customer.name} <span class={`chip status-${job.status}`}>{statusLabel(job)}</span>
              </h2>
              <p>{windowText(job, brandWindows.value[job.brandId])}</p>
              {spanDayText(job.schedule, date) && <p class="span-day">{spanDayText(job.schedule, date)}</p>}
              <p>
                <a href={`https://maps.google.com/?q=${encodeURIComponent(job.address.text)}`}>
                  {job.address.text}
                </a>
              </p>
              <p>
                {/* An imported job may have no number yet: nothing to call, said so. */}
                {job.customer.phone ? (
                  <a href={`tel:${job.customer.phone}`}>Call {job.customer.phone}</a>
                ) : (
                  'No phone number'
                )}{' '}
                · Trailer {job.trailerId ?? '—'}
              </p>
              <StatusActions job={job} onChanged={replace} />
              {job.status === 'en_route' && <LocationSharing job={job} />}
              <PhotoStrip jobId={job.jobId} />
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
