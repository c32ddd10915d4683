// Parts of a job shared by the dispatcher's drawer, the requests inbox and the driver's day: status
// buttons, photos, the trailer field.
import { useSignal } from '@preact/signals';
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { calendarIdsFor } from '../../../calendar/src/domain/calendar-ids.ts';
import {
  api,
  type CalendarEntry,
  errorText,
  isRefusal,
  isVersionConflict,
  type Job,
  type Photo,
  uploadPhoto,
} from '../api.ts';
import { user } from '../auth.ts';
import { allowedMoves, calendarLag, type FreeTrailer, STATUS_LABEL, trailersFreeFor } from '../domain.ts';
import { usePolling } from '../use-polling.ts';
import { Problem } from './problem.tsx';

/**
 * The moves the API allows from here for this role; a correction or a cancellation asks why first. A
 * mis-tapped complete or cancel shows an Undo while the brand's window is open (its text is held so
 * long); the button goes when the window closes, and a correction with a reason is what is left.
 */
export function StatusActions({ job, onChanged }: { job: Job; onChanged: (job: Job) => void }) {
  const role = user.value?.role ?? 'driver';
  const asking = useSignal<{ to: Job['status']; correction: boolean } | undefined>(undefined);
  const reason = useSignal('');
  const eta = useSignal('');
  const busy = useSignal(false);
  const problem = useSignal<string | undefined>(undefined);
  const windowClosed = useSignal(0);
  useEffect(() => {
    if (!job.undoUntil) return undefined;
    const timer = setTimeout(
      () => (windowClosed.value += 1),
      Math.max(0, Date.parse(job.undoUntil) - Date.now()),
    );
    return () => clearTimeout(timer);
  }, [job.undoUntil]);
  void windowClosed.value; // re-render when the undo window closes
  // After a move the pressed button is gone with the status that offered it: focus goes to the next
  // action (or the section), not to the top of the page. In the commit that removed it (a layout effect):
  // an effect runs after the paint, and until then focus was on the page's body.
  const section = useRef<HTMLElement>(null);
  const refocus = useRef(false);
  useLayoutEffect(() => {
    if (!refocus.current || busy.value) return;
    refocus.current = false;
    const next = section.current?.querySelector<HTMLElement>('.actions button:not([disabled])');
    (next ?? section.current)?.focus();
  });
  const moves = allowedMoves(job, role);
  if (moves.length === 0) return null;

  // `why`: what was typed when asked (a correction's reason, a cancellation's note); a move that asked
  // nothing sends none, whatever was typed into a question left with Back.
  const move = async (to: Job['status'], correction: boolean, undo = false, why?: string) => {
    busy.value = true;
    problem.value = undefined;
    try {
      const { job: moved } = await api.changeStatus(job.jobId, {
        status: to,
        expectedVersion: job.version,
        ...(correction && !undo ? { reason: why } : {}),
        ...(!correction && why ? { note: why } : {}),
        ...(to === 'en_route' && eta.value ? { etaMinutes: Number(eta.value) } : {}),
      });
      asking.value = undefined;
      reason.value = '';
      refocus.current = true;
      onChanged(moved);
    } catch (error) {
      // Someone else's save got in first (the screen's poll brings it); any other refusal is the API's own.
      problem.value = isVersionConflict(error)
        ? 'The job changed meanwhile: check it as it is now and try again.'
        : (error as Error).message;
    } finally {
      busy.value = false;
    }
  };

  return (
    <section class="status-actions" aria-label="Status" ref={section} tabIndex={-1}>
      {asking.value ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void move(asking.value!.to, asking.value!.correction, false, reason.value);
          }}
        >
          <label>
            {asking.value.correction
              ? `Why back to ${STATUS_LABEL[asking.value.to]}? (on the timeline)`
              : 'Why cancel? (on the timeline)'}
            <input
              value={reason.value}
              required
              minLength={3}
              onInput={(event) => (reason.value = event.currentTarget.value)}
            />
          </label>
          <button type="submit" class="danger" disabled={busy.value}>
            {asking.value.correction ? 'Correct' : 'Cancel the job'}
          </button>
          <button
            type="button"
            onClick={() => {
              asking.value = undefined;
              reason.value = '';
            }}
          >
            Back
          </button>
        </form>
      ) : (
        <div class="actions">
          {moves.map(({ to, correction, undo }) =>
            undo ? (
              <button key={to} type="button" disabled={busy.value} onClick={() => void move(to, true, true)}>
                Undo {STATUS_LABEL[job.status].toLowerCase()} (until{' '}
                {new Date(job.undoUntil!).toLocaleTimeString([], {
                  hour: 'numeric',
                  minute: '2-digit',
                  second: '2-digit',
                })}
                ; not texted yet)
              </button>
            ) : correction || to === 'cancelled' ? (
              <button
                key={to}
                type="button"
                class={correction ? undefined : 'danger'}
                onClick={() => (asking.value = { to, correction })}
              >
                {correction ? `Correct to ${STATUS_LABEL[to]}` : 'Cancel…'}
              </button>
            ) : (
              <button
                key={to}
                type="button"
                class="primary"
                disabled={busy.value}
                onClick={() => void move(to, false)}
              >
                {to === 'en_route' ? 'On the way' : STATUS_LABEL[to]}
              </button>
            ),
          )}
          {moves.some((m) => m.to === 'en_route' && !m.correction) && (
            <label class="eta">
              ETA (min)
              <input
                type="number"
                min={0}
                max={1440}
                inputMode="numeric"
                value={eta.value}
                onInput={(event) => (eta.value = event.currentTarget.value)}
              />
            </label>
          )}
        </div>
      )}
      <Problem text={problem.value} />
    </section>
  );
}

interface Upload {
  id: string;
  file: File;
  progress: number;
  error?: string;
  /** The API refused this photo as it is (too big, a type it can't read): sending it again can't help. */
  refused?: boolean;
}

/** The job's photos, newest first, and capture from the phone camera (presigned POST, progress, retry). */
export function PhotoStrip({ jobId }: { jobId: string }) {
  const photos = useSignal<Photo[]>([]);
  const uploads = useSignal<Upload[]>([]);
  // Photos whose customer visibility is being saved: a poll answered meanwhile must not flip them back.
  const changing = useSignal<ReadonlySet<string>>(new Set());
  usePolling(
    async () => {
      const shown = new Map(photos.value.map((photo) => [photo.photoId, photo]));
      photos.value = (await api.photos(jobId)).photos.map((photo) =>
        changing.value.has(photo.photoId) ? (shown.get(photo.photoId) ?? photo) : photo,
      );
    },
    4_000,
    [jobId],
  );

  // Dispatchers and admins choose what the customer's gallery shows (PATCH …/photos/{id}); drivers don't.
  const mayShowCustomers = user.value?.role === 'dispatcher' || user.value?.role === 'admin';
  const photoProblem = useSignal('');
  const replace = (changed: Photo) =>
    (photos.value = photos.value.map((other) => (other.photoId === changed.photoId ? changed : other)));
  const showToCustomer = async (photo: Photo, customerVisible: boolean) => {
    // Optimistic: the switch moves at once and moves back if the API refuses.
    replace({ ...photo, customerVisible });
    changing.value = new Set([...changing.value, photo.photoId]);
    photoProblem.value = '';
    try {
      replace(await api.setPhoto(jobId, photo.photoId, { customerVisible }));
    } catch (error) {
      replace(photo);
      photoProblem.value = `Could not change who sees the photo: ${(error as Error).message}`;
    } finally {
      changing.value = new Set([...changing.value].filter((id) => id !== photo.photoId));
    }
  };
  const update = (id: string, changes: Partial<Upload>) => {
    uploads.value = uploads.value.map((upload) => (upload.id === id ? { ...upload, ...changes } : upload));
  };
  const send = async (upload: Upload) => {
    update(upload.id, { error: undefined, progress: 0 });
    try {
      const ticket = await api.requestUpload(jobId, {
        contentType: upload.file.type,
        size: upload.file.size,
      });
      await uploadPhoto(ticket, upload.file, (progress) => update(upload.id, { progress }));
      uploads.value = uploads.value.filter((other) => other.id !== upload.id);
      photos.value = (await api.photos(jobId)).photos;
    } catch (error) {
      update(upload.id, { error: `Not uploaded: ${errorText(error)}`, refused: isRefusal(error) });
    }
  };
  const dismiss = (upload: Upload) => {
    uploads.value = uploads.value.filter((other) => other.id !== upload.id);
  };

  return (
    <section aria-labelledby={`photos-${jobId}`}>
      <h3 id={`photos-${jobId}`}>Photos</h3>
      <ul class="photos">
        {photos.value.map((photo) => (
          <li key={photo.photoId}>
            <a href={photo.originalUrl} target="_blank" rel="noreferrer">
              <img
                src={photo.thumbnailUrl}
                alt={`Taken by ${photo.uploadedBy}${photo.takenAt ? ` at ${photo.takenAt}` : ''}`}
                width={96}
                height={96}
              />
            </a>
            {mayShowCustomers ? (
              <label class="photo-meta">
                <input
                  type="checkbox"
                  checked={photo.customerVisible}
                  disabled={changing.value.has(photo.photoId)}
                  onChange={(event) => void showToCustomer(photo, event.currentTarget.checked)}
                />
                Customer sees it
              </label>
            ) : (
              <span class="photo-meta">{photo.customerVisible ? 'customer sees it' : 'staff only'}</span>
            )}
          </li>
        ))}
      </ul>
      <Problem text={photoProblem.value} />
      {uploads.value.map((upload) => (
        <div key={upload.id} class="upload">
          <span>{upload.file.name}</span>
          {!upload.refused && (
            <progress max={1} value={upload.progress} aria-label={`Uploading ${upload.file.name}`} />
          )}
          {upload.error && (
            <>
              <span class="error" role="alert">
                {upload.error}
              </span>
              {upload.refused ? (
                <button type="button" onClick={() => dismiss(upload)}>
                  Dismiss
                </button>
              ) : (
                <button type="button" onClick={() => void send(upload)}>
                  Retry
                </button>
              )}
            </>
          )}
        </div>
      ))}
      <label class="capture">
        {user.value?.role === 'driver' ? 'Take a photo' : 'Add a photo'}
        <input
          type="file"
          accept="image/jpeg,image/png,image/webp"
          capture="environment"
          onChange={(event) => {
            for (const file of Array.from(event.currentTarget.files ?? [])) {
              const upload = { id: crypto.randomUUID(), file, progress: 0 };
              uploads.value = [...uploads.value, upload];
              void send(upload);
            }
            event.currentTarget.value = '';
          }}
        />
      </label>
    </section>
  );
}

/**
 * Where the job stands on the calendars (the calendar service syncs them from job events): its
 * entry on the dispatch calendar, whether that entry has caught up with the job,
 * and the crew and trailer calendars it also appears in (their .ics feeds on phones).
 */
export function CalendarStatus({ job }: { job: Job }) {
  const entry = useSignal<CalendarEntry | null | undefined>(undefined);
  const error = usePolling(
    async () => {
      const day = await api.calendarDay(job.schedule.date);
      entry.value = day.entries.find((candidate) => candidate.jobId === job.jobId) ?? null;
    },
    10_000,
    [job.jobId, job.schedule.date, job.version],
  );
  const others = calendarIdsFor({
    brandId: job.brandId,
    crewIds: job.crewIds ?? [],
    trailerId: job.trailerId,
  })
    .filter((calendarId) => calendarId.startsWith('crew-') || calendarId.startsWith('trailer-'))
    .map((calendarId) => calendarId.replace('-', ' '));
  const synced = entry.value;
  return (
    <section aria-labelledby={`calendar-${job.jobId}`}>
      <h3 id={`calendar-${job.jobId}`}>Calendar</h3>
      {error.value && <p class="error">{error.value}</p>}
      {synced === undefined ? (
        <p class="loading">Loading…</p>
      ) : synced === null ? (
        <p class="muted calendar-entry">Not on the dispatch calendar yet.</p>
      ) : (
        <p class="calendar-entry">
          {synced.allDay
            ? `${synced.start.slice(0, 10)}, all day`
            : `${synced.start.slice(11, 16)}–${synced.end.slice(11, 16)}`}{' '}
          · {synced.title}{' '}
          {calendarLag(synced, job).length > 0 ? (
            <span class="badge warn">updating: {calendarLag(synced, job).join(', ')}</span>
          ) : (
            <span class="muted">up to date</span>
          )}
        </p>
      )}
      {others.length > 0 && <p class="muted">Also on: {others.join(', ')}</p>}
    </section>
  );
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The trailer of a job, proposing the brand's trailers free on every one of the days the form has now
 * (`schedule`: the date typed, a rental's last day moved with it; the job's own days count as free): a
 * list to pick from and a line naming them. The API still refuses an unknown, out-of-service or taken
 * trailer.
 */
export function TrailerField({
  job,
  schedule,
  value,
  error,
  onInput,
}: {
  job: Job;
  schedule: Pick<Job['schedule'], 'date' | 'endDate'>;
  value: string;
  error?: string | undefined;
  onInput: (value: string) => void;
}) {
  const free = useSignal<FreeTrailer[] | undefined>(undefined);
  const { date, endDate } = schedule;
  useEffect(() => {
    // A date half typed (or cleared) proposes nothing rather than the days it had.
    if (!ISO_DATE.test(date) || (endDate !== undefined && !ISO_DATE.test(endDate))) {
      free.value = undefined;
      return undefined;
    }
    let current = true;
    api
      .trailers(job.brandId, date, endDate ?? date)
      .then(({ trailers }) => {
        if (current) free.value = trailersFreeFor(trailers, job.jobId);
      })
      .catch(() => {
        if (current) free.value = undefined;
      });
    return () => {
      current = false;
    };
  }, [job.brandId, job.jobId, date, endDate]);
  const listId = `free-trailers-${job.jobId}`;
  return (
    <label>
      Trailer
      <input
        type="text"
        name="trailerId"
        list={listId}
        value={value}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={`${listId}-hint`}
        onInput={(event) => onInput(event.currentTarget.value)}
      />
      <datalist id={listId}>
        {(free.value ?? []).map((trailer) => (
          <option key={trailer.trailerId} value={trailer.trailerId}>
            {trailer.name} ({trailer.size})
          </option>
        ))}
      </datalist>
      <span class="hint" id={`${listId}-hint`}>
        {free.value === undefined
          ? ''
          : free.value.length === 0
            ? 'No trailer is free on all of its days'
            : `Free: ${free.value.map((trailer) => `${trailer.trailerId} (${trailer.size})`).join(', ')}`}
      </span>
      {error && <span class="field-error">{error}</span>}
    </label>
  );
}
