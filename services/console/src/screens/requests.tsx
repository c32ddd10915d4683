// Web bookings waiting for a dispatcher, oldest first: confirm (window, trailer, crew → the customer is
// texted that it is booked) or decline with a reason (the customer gets the polite cancellation text).
import { useSignal } from '@preact/signals';
import { ApiError, api, isVersionConflict, type Job } from '../api.ts';
import { config } from '../config.ts';
import { ageText } from '../domain.ts';
import {
  type ConfirmDraft,
  type ConfirmForm,
  confirmation,
  confirmDraftOf,
  rebaseConfirmation,
  rescheduled,
} from '../job-form.ts';
import { useDraft } from '../use-draft.ts';
import { usePolling } from '../use-polling.ts';
import { brandWindows, learnBrands } from './board.tsx';
import { TrailerField } from './job-parts.tsx';
import { Problem } from './problem.tsx';

const when = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });

function Request({ job, onDone }: { job: Job; onDone: () => void }) {
  const stored = useDraft<ConfirmDraft>(`confirm:${job.jobId}`, confirmDraftOf(job));
  // Untouched, the form is the request as the last poll has it; once typed in, it stays on the version
  // it started from, and confirming sends that version: another dispatcher's change since is a 409, shown
  // and carried into the form, never written over.
  const draft = stored.dirty ? stored.value : confirmDraftOf(job);
  const form = draft.form;
  const mode = useSignal<'view' | 'decline'>('view');
  const busy = useSignal(false);
  const problem = useSignal<string | undefined>(undefined);
  const windows = brandWindows.value[job.brandId] ?? {};
  const set = (name: keyof ConfirmForm) => (event: { currentTarget: { value: string } }) => {
    stored.value = { ...draft, form: { ...form, [name]: event.currentTarget.value } };
  };

  const confirm = async (event: Event) => {
    event.preventDefault();
    busy.value = true;
    problem.value = undefined;
    try {
      const { job: updated } = await api.update(job.jobId, confirmation(job, draft));
      await api.changeStatus(job.jobId, { status: 'scheduled', expectedVersion: updated.version });
      stored.clear();
      onDone();
    } catch (error) {
      if (isVersionConflict(error)) {
        const { job: theirs } = await api.job(job.jobId);
        const who = theirs.updatedBy ?? 'Someone';
        if (theirs.status !== 'requested') {
          problem.value = `${who} already ${theirs.status === 'scheduled' ? 'confirmed' : 'declined'} this booking at ${when(theirs.updatedAt)}.`;
        } else {
          const rebased = rebaseConfirmation(draft, theirs);
          stored.value = rebased.draft;
          problem.value = `${who} changed ${rebased.changed.join(', ') || 'this booking'} at ${when(theirs.updatedAt)} while you were confirming it. What you typed is still here: check it against their change and confirm again.`;
        }
        return;
      }
      problem.value =
        error instanceof ApiError && error.details.length > 0
          ? `${error.message}: ${error.details.map((detail) => `${detail.field} ${detail.message}`).join('; ')}`
          : (error as Error).message;
    } finally {
      busy.value = false;
    }
  };
  const decline = async (event: Event) => {
    event.preventDefault();
    busy.value = true;
    try {
      // The version shown: a request another dispatcher confirmed meanwhile gets the 409, not a decline
      // texted to a customer just told it was booked.
      await api.changeStatus(job.jobId, {
        status: 'cancelled',
        note: `Declined: ${form.reason}`,
        expectedVersion: job.version,
      });
      stored.clear();
      onDone();
    } catch (error) {
      problem.value = (error as Error).message;
    } finally {
      busy.value = false;
    }
  };

  return (
    <li class="card request" data-job-id={job.jobId}>
      <h2>
        {job.customer.name}{' '}
        <span class="muted">· asked {ageText(Date.now() - Date.parse(job.createdAt ?? job.updatedAt))}</span>
      </h2>
      <p>
        {job.serviceType} · {job.schedule.date} {job.schedule.window ?? ''}{' '}
        {job.schedule.endDate ? `→ ${job.schedule.endDate}` : ''}
      </p>
      <p>{job.address.text}</p>
      {job.notes && <p class="notes">“{job.notes}”</p>}
      {mode.value === 'view' ? (
        <form class="confirm" onSubmit={confirm}>
          <label>
            Date <input type="date" value={form.date} onInput={set('date')} required />
          </label>
          <label>
            Window
            <select value={form.window} onChange={set('window')}>
              <option value="">—</option>
              {Object.entries(windows).map(([name, window]) => (
                <option key={name} value={name}>
                  {name} ({window.start}–{window.end})
                </option>
              ))}
            </select>
          </label>
          <TrailerField
            job={job}
            schedule={rescheduled(job.schedule, form.date, form.window)}
            value={form.trailerId}
            onInput={(trailerId) => {
              stored.value = { ...draft, form: { ...form, trailerId } };
            }}
          />
          <label>
            Crew ids <input value={form.crewIds} onInput={set('crewIds')} placeholder="crew-diego" />
          </label>
          <div class="actions">
            <button type="submit" class="primary" disabled={busy.value}>
              Confirm and text the customer
            </button>
            <button type="button" onClick={() => (mode.value = 'decline')}>
              Decline…
            </button>
          </div>
        </form>
      ) : (
        <form class="decline" onSubmit={decline}>
          <label>
            Why decline? (kept on the timeline; the customer gets a polite cancellation text)
            <input value={form.reason} onInput={set('reason')} required minLength={3} />
          </label>
          <div class="actions">
            <button type="submit" class="danger" disabled={busy.value}>
              Decline the booking
            </button>
            <button type="button" onClick={() => (mode.value = 'view')}>
              Back
            </button>
          </div>
        </form>
      )}
      <Problem text={problem.value} />
    </li>
  );
}

export function Requests() {
  const jobs = useSignal<Job[] | undefined>(undefined);
  const load = async () => {
    jobs.value = (await api.requests()).jobs;
    learnBrands(jobs.value, config().apiBaseUrl);
  };
  const error = usePolling(load, 5_000);
  return (
    <main class="requests">
      <h1>Requests</h1>
      <p class="muted">
        Web bookings waiting for confirmation, oldest first. {error.value ? `Offline: ${error.value}` : ''}
      </p>
      {jobs.value === undefined ? (
        <p class="loading">Loading…</p>
      ) : jobs.value.length === 0 ? (
        <p class="empty">No bookings waiting.</p>
      ) : (
        <ul class="request-list">
          {jobs.value.map((job) => (
            <Request key={job.jobId} job={job} onDone={load} />
          ))}
        </ul>
      )}
    </main>
  );
}
