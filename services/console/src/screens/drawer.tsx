import { type Signal, useSignal } from '@preact/signals';
import { formatUsd } from '@qdn/shared/money';
import { useEffect, useRef } from 'preact/hooks';
import {
  ApiError,
  api,
  errorText,
  isRefusal,
  isVersionConflict,
  type Job,
  type LinkViewCount,
  type TimelineEntry,
} from '../api.ts';
import { user } from '../auth.ts';
import {
  changedFields,
  checklistFrom,
  deliveryText,
  disputeState,
  lateness,
  linkViewsText,
  messagesOf,
  optedOut,
  refundState,
  STATUS_LABEL,
  shortfallCents,
  statusLabel,
} from '../domain.ts';
import {
  changesOf,
  consentMissing,
  draftOf,
  type EditDraft,
  type EditForm,
  rebase,
  rescheduled,
  SMS_CONSENT_OPTIONS,
} from '../job-form.ts';
import { useDraft } from '../use-draft.ts';
import { usePolling } from '../use-polling.ts';
import { brandWindows } from './board.tsx';
import { CalendarStatus, PhotoStrip, StatusActions, TrailerField } from './job-parts.tsx';
import { Problem } from './problem.tsx';

const DRAWER_POLL_MS = 2_000;
const when = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });

function Details({ job, onSaved }: { job: Job; onSaved: (job: Job) => void }) {
  const admin = user.value?.role === 'admin';
  const editing = useSignal(false);
  const base = useSignal<Job>(job);
  // The draft keeps the form the edit started from too: see rebase.
  const draft = useDraft<EditDraft>(`job-edit:${job.jobId}`, draftOf(job));
  const form = {
    get value(): EditForm {
      return draft.value.form;
    },
    set value(next: EditForm) {
      draft.value = { ...draft.value, form: next };
    },
  };
  const problem = useSignal<string | undefined>(undefined);
  const fieldErrors = useSignal<Record<string, string>>({});
  const saving = useSignal(false);
  const windows = brandWindows.value[job.brandId] ?? {};
  // The API refuses every edit of a complete or cancelled job (a correction of its status comes first).
  const final = job.status === 'complete' || job.status === 'cancelled';
  const finalText = final
    ? `This job is ${statusLabel(job).toLowerCase()}: it can no longer be changed.`
    : undefined;

  if (!editing.value) {
    return (
      <section class="details" aria-labelledby="details-title">
        <h3 id="details-title">Details</h3>
        {job.expiredAt && (
          <p class="notice" role="note">
            Expired {when(job.expiredAt)}: this web booking was not confirmed in time. The customer was not
            texted.
          </p>
        )}
        <dl>
          <dt>Phone</dt>
          <dd>{job.customer.phone ?? 'none yet (imported without one): add it to text them'}</dd>
          {job.legacyJobId && (
            <>
              <dt>First system's id</dt>
              <dd>{job.legacyJobId}</dd>
            </>
          )}
          <dt>Address</dt>
          <dd>
            {job.address.text}
            {/* Where the geocoder placed it (a wrong match is easy to see), or that it couldn't: then the
                arrival text can't fire, which the dispatcher fixes by correcting the address. */}
            {job.address.geocoded && <div class="hint">On the map as {job.address.geocoded.label}</div>}
            {job.address.notFound && (
              <div class="notice address-not-found" role="note">
                Not found on the map: the customer won't get "arriving now". Correct the address, or give its
                coordinates.
              </div>
            )}
          </dd>
          <dt>When</dt>
          <dd>
            {job.schedule.date} {job.schedule.window ?? job.schedule.time ?? ''}
          </dd>
          <dt>Service</dt>
          <dd>{job.serviceType}</dd>
          <dt>Trailer</dt>
          <dd>{job.trailerId ?? '—'}</dd>
          <dt>Crew</dt>
          <dd>{(job.crewIds ?? []).join(', ') || 'none'}</dd>
          <dt>Price</dt>
          <dd>{job.priceCents === undefined ? '—' : formatUsd(job.priceCents)}</dd>
          {job.notes && (
            <>
              <dt>Notes</dt>
              <dd>{job.notes}</dd>
            </>
          )}
          {job.crewNotes && (
            <>
              <dt>For the crew</dt>
              <dd>{job.crewNotes}</dd>
            </>
          )}
          {job.private && (
            <>
              <dt>Revenue split</dt>
              <dd>{job.private.revenueSplit ?? '—'}</dd>
              <dt>Captain fee</dt>
              <dd>
                {job.private.captainFeeCents === undefined ? '—' : formatUsd(job.private.captainFeeCents)}
              </dd>
              <dt>Internal notes</dt>
              <dd>{job.private.internalNotes ?? '—'}</dd>
            </>
          )}
        </dl>
        {user.value?.role !== 'driver' && !final && (
          <button
            type="button"
            onClick={() => {
              base.value = job;
              // A draft left from before (the drawer closed mid-edit, a sign-in again) goes on from the
              // job as it is now, keeping only what was typed into it.
              draft.value = draft.dirty ? rebase(draft.value, job) : draftOf(job);
              editing.value = true;
            }}
          >
            Edit details
          </button>
        )}
      </section>
    );
  }

  const field = (name: keyof EditForm, label: string, type: 'text' | 'tel' | 'date' | 'number' = 'text') => (
    <label>
      {label}
      <input
        // One helper for several input types; Preact's per-type attribute unions need one literal here.
        type={type as 'text'}
        name={name}
        value={form.value[name]}
        aria-invalid={fieldErrors.value[name] ? 'true' : undefined}
        onInput={(event) => {
          form.value = { ...form.value, [name]: event.currentTarget.value };
        }}
      />
      {fieldErrors.value[name] && <span class="field-error">{fieldErrors.value[name]}</span>}
    </label>
  );

  const save = async (event: Event) => {
    event.preventDefault();
    saving.value = true;
    problem.value = undefined;
    fieldErrors.value = {};
    if (final) {
      problem.value = finalText;
      saving.value = false;
      return;
    }
    if (consentMissing(base.value, form.value)) {
      fieldErrors.value = { smsConsent: 'Choose how the customer agreed to texts, or that they did not.' };
      saving.value = false;
      return;
    }
    try {
      const changes = changesOf(base.value, form.value, admin);
      if (Object.keys(changes).length === 0) {
        editing.value = false;
        return;
      }
      const { job: saved } = await api.update(job.jobId, { ...changes, expectedVersion: base.value.version });
      draft.clear();
      editing.value = false;
      onSaved(saved);
    } catch (error) {
      // Only a version conflict is someone else's save; other 409s (a complete job, a trailer taken) are
      // the API's answer to this edit, shown as they are.
      if (isVersionConflict(error)) {
        const { job: theirs } = await api.job(job.jobId);
        const fields = changedFields(base.value, theirs);
        const who = `${theirs.updatedBy ?? 'Someone'} changed ${fields.join(', ') || 'this job'} at ${when(theirs.updatedAt)} while you were editing.`;
        problem.value =
          theirs.status === 'complete' || theirs.status === 'cancelled'
            ? `${who} It is ${statusLabel(theirs).toLowerCase()} now: it can no longer be changed.`
            : `${who} Your edits are still here: check them against the new version and save again.`;
        // Their changes show in the form, and saving again sends only what this dispatcher changed.
        draft.value = rebase(draft.value, theirs);
        base.value = theirs;
        onSaved(theirs);
      } else if (error instanceof ApiError) {
        problem.value = error.message;
        const byField: Record<string, string> = {};
        for (const detail of error.details) {
          const name = detail.field.split('.').slice(1).join('.');
          const key = name.startsWith('customer.name')
            ? 'name'
            : name.startsWith('customer.phone')
              ? 'phone'
              : name.startsWith('address')
                ? 'address'
                : name.startsWith('schedule.window')
                  ? 'window'
                  : name.startsWith('schedule')
                    ? 'date'
                    : name.startsWith('priceCents')
                      ? 'price'
                      : (name.split('.')[0] ?? name);
          byField[key] = detail.message;
        }
        fieldErrors.value = byField;
      } else {
        problem.value = (error as Error).message;
      }
    } finally {
      saving.value = false;
    }
  };

  return (
    <section class="details" aria-labelledby="details-title">
      <h3 id="details-title">Edit details</h3>
      <form class="edit" onSubmit={save}>
        {field('name', 'Customer name')}
        {field('phone', 'Phone', 'tel')}
        {form.value.phone !== (base.value.customer.phone ?? '') && form.value.phone !== '' && (
          <label>
            How did the customer agree to texts?
            <select
              name="smsConsent"
              required
              value={form.value.smsConsent ?? ''}
              aria-invalid={fieldErrors.value.smsConsent ? 'true' : undefined}
              onChange={(event) => {
                form.value = {
                  ...form.value,
                  smsConsent: event.currentTarget.value as EditForm['smsConsent'],
                };
              }}
            >
              <option value="">Choose…</option>
              {SMS_CONSENT_OPTIONS.map((option) => (
                <option key={option.how} value={option.how}>
                  {option.label}
                </option>
              ))}
            </select>
            {fieldErrors.value.smsConsent && <span class="field-error">{fieldErrors.value.smsConsent}</span>}
          </label>
        )}
        {field('address', 'Address')}
        {field('date', 'Date', 'date')}
        <label>
          Window
          <select
            name="window"
            value={form.value.window}
            onChange={(event) => {
              form.value = { ...form.value, window: event.currentTarget.value };
            }}
          >
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
          schedule={rescheduled(base.value.schedule, form.value.date, form.value.window)}
          value={form.value.trailerId}
          error={fieldErrors.value.trailerId}
          onInput={(trailerId) => {
            form.value = { ...form.value, trailerId };
          }}
        />
        {field('crewIds', 'Crew ids (comma-separated)')}
        {field('price', 'Price ($)', 'number')}
        {field('notes', 'Notes (office only)')}
        {field('crewNotes', 'Notes for the crew (their page and ShipCaptainCrew)')}
        {admin && (
          <fieldset>
            <legend>Admin only</legend>
            {field('revenueSplit', 'Revenue split')}
            {field('captainFee', 'Captain fee ($)', 'number')}
            {field('internalNotes', 'Internal notes')}
          </fieldset>
        )}
        {(problem.value ?? finalText) && (
          <p class="error" role="alert">
            {problem.value ?? finalText}
          </p>
        )}
        <div class="actions">
          <button type="submit" class="primary" disabled={saving.value}>
            {saving.value ? 'Saving…' : 'Save'}
          </button>
          <button
            type="button"
            onClick={() => {
              draft.clear();
              editing.value = false;
            }}
          >
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}

const PAYMENT_METHOD: Record<string, string> = { card: 'card', zelle: 'Zelle', cash: 'cash' };
const dollars = (cents: number | undefined) => (cents === undefined ? '' : formatUsd(cents));

/**
 * A card payment's dispute (chargeback): what the bank did and, while it can be answered, by when —
 * answered in Stripe's Dashboard, where the evidence goes, not here.
 */
function Dispute({ dispute }: { dispute: NonNullable<NonNullable<Job['payment']>['dispute']> }) {
  const { text, state } = disputeState(dispute, when);
  return (
    <p class={`payment payment-dispute-${state}`} role={state === 'open' ? 'alert' : undefined}>
      {text}
    </p>
  );
}

/** A payment's reference as the dispatcher types it: a Zelle confirmation, a check number. */
function ReferenceField({ label, reference }: { label: string; reference: Signal<string> }) {
  return (
    <label>
      {label}
      <input
        value={reference.value}
        maxLength={200}
        onInput={(e) => (reference.value = e.currentTarget.value)}
      />
    </label>
  );
}

/** "Refunded (card)", or a refund not done: pending at Stripe, or failed with why and what to do. */
function refundedText(payment: NonNullable<Job['payment']>, method: string): string {
  const refund = refundState(payment);
  return refund.state === 'done'
    ? `Refunded (${method})`
    : `Refund of ${dollars(payment.amountPaidCents)} ${refund.text}`;
}

/**
 * How the customer pays and whether they have: a card deposit is recorded by Stripe's webhook, a refund
 * by the cancellation; Zelle and cash are marked paid here (with the Zelle confirmation number), which
 * texts the customer a receipt. Drivers don't see it.
 */
function Payment({ job, onPaid }: { job: Job; onPaid: (job: Job) => void }) {
  const reference = useSignal('');
  const busy = useSignal(false);
  const problem = useSignal<string | undefined>(undefined);
  const payment = job.payment;
  if (!payment || user.value?.role === 'driver') return null;
  const method = PAYMENT_METHOD[payment.method] ?? payment.method;
  const owing = shortfallCents(payment);
  const state =
    payment.status === 'paid'
      ? `Paid ${dollars(payment.amountPaidCents)} by ${method}${payment.paidAt ? `, ${when(payment.paidAt)}` : ''}${
          // The cancellation's refund has begun at Stripe: the job stays cancelled (no Undo).
          payment.refundStartedAt ? ' — being refunded' : ''
        }${owing ? ` — ${dollars(owing)} short of the ${dollars(payment.amountDueCents)} due` : ''}`
      : payment.status === 'refunded'
        ? refundedText(payment, method)
        : `Due ${dollars(payment.amountDueCents)} by ${method}`;
  const failed = payment.status === 'refunded' && refundState(payment).state === 'failed';
  const markable = payment.status === 'due' && payment.method !== 'card';
  return (
    <section aria-labelledby="payment-title">
      <h3 id="payment-title">Payment</h3>
      <p class={`payment payment-${failed ? 'refund-failed' : payment.status}`}>{state}</p>
      {payment.dispute && <Dispute dispute={payment.dispute} />}
      {failed && (
        <PaidBackForm
          job={job}
          what="the card payment"
          amountCents={payment.amountPaidCents}
          onPaid={onPaid}
        />
      )}
      {/* Card payments the job could not keep (a second tab paid too, or paid after a cancellation):
          the jobs service refunds each in full, and the dispatcher sees why the customer was charged. */}
      {job.returnedPayments?.map((returned) => (
        <p
          class={`payment payment-returned${refundState(returned).state === 'failed' ? ' payment-refund-failed' : ''}`}
          key={returned.checkoutSessionId}
        >
          {returned.why === 'paid-already'
            ? 'A second card payment'
            : 'A card payment after the cancellation'}{' '}
          of {dollars(returned.amountCents)}, {when(returned.paidAt)}:{' '}
          {!returned.refundedAt
            ? 'being refunded'
            : refundState(returned).state === 'done'
              ? `refunded ${when(returned.refundedAt)}`
              : `refund ${refundState(returned).text}`}
          {returned.dispute && <> {disputeState(returned.dispute, when).text}</>}
        </p>
      ))}
      {job.returnedPayments
        ?.filter((returned) => refundState(returned).state === 'failed')
        .map((returned) => (
          <PaidBackForm
            key={returned.checkoutSessionId}
            job={job}
            checkoutSessionId={returned.checkoutSessionId}
            what={
              returned.why === 'paid-already'
                ? 'the second card payment'
                : 'the card payment after the cancellation'
            }
            amountCents={returned.amountCents}
            onPaid={onPaid}
          />
        ))}
      {markable && (
        <form
          class="actions"
          onSubmit={(event) => {
            event.preventDefault();
            void record({ busy, problem }, onPaid, () =>
              api.markPaid(job.jobId, {
                method: payment.method,
                expectedVersion: job.version,
                ...(reference.value.trim() ? { reference: reference.value.trim() } : {}),
              }),
            );
          }}
        >
          {payment.method === 'zelle' && (
            <ReferenceField label="Zelle confirmation (optional)" reference={reference} />
          )}
          <button type="submit" class="primary" disabled={busy.value}>
            Mark paid ({dollars(payment.amountDueCents)} {method})
          </button>
        </form>
      )}
      <Problem text={problem.value} />
    </section>
  );
}

/**
 * Records money that changed hands from a Payment form (paid, paid back): busy while it is sent; the
 * job as saved handed on; a 409 (the job changed since it was loaded) or another refusal said in the form.
 */
async function record(
  form: { busy: Signal<boolean>; problem: Signal<string | undefined> },
  onRecorded: (job: Job) => void,
  send: () => Promise<{ job: Job }>,
): Promise<void> {
  form.busy.value = true;
  form.problem.value = undefined;
  try {
    onRecorded((await send()).job);
  } catch (error) {
    form.problem.value =
      error instanceof ApiError && error.status === 409
        ? `Not recorded: ${error.message}. Reload the job.`
        : (error as Error).message;
  } finally {
    form.busy.value = false;
  }
}

/**
 * A card refund the card refused (the money is back in the Stripe balance): the dispatcher pays the
 * customer another way and records how here, which clears the board's "Refund failed".
 */
function PaidBackForm({
  job,
  checkoutSessionId,
  what,
  amountCents,
  onPaid,
}: {
  job: Job;
  /** A returned payment's refund; none for the job's own payment. */
  checkoutSessionId?: string;
  /** Which payment, for the form's name (a job can have two refunds fail). */
  what: string;
  amountCents: number | undefined;
  onPaid: (job: Job) => void;
}) {
  const method = useSignal<'zelle' | 'cash' | 'check'>('zelle');
  const reference = useSignal('');
  const busy = useSignal(false);
  const problem = useSignal<string | undefined>(undefined);
  return (
    <form
      class="actions"
      aria-label={`Pay back ${what} of ${dollars(amountCents)} another way`}
      onSubmit={(event) => {
        event.preventDefault();
        void record({ busy, problem }, onPaid, () =>
          api.refundPaidBack(job.jobId, {
            method: method.value,
            expectedVersion: job.version,
            ...(checkoutSessionId ? { checkoutSessionId } : {}),
            ...(reference.value.trim() ? { reference: reference.value.trim() } : {}),
          }),
        );
      }}
    >
      <label>
        Paid back by
        <select
          value={method.value}
          onChange={(e) => (method.value = e.currentTarget.value as typeof method.value)}
        >
          <option value="zelle">Zelle</option>
          <option value="cash">Cash</option>
          <option value="check">Check</option>
        </select>
      </label>
      <ReferenceField label="Confirmation or check number (optional)" reference={reference} />
      <button type="submit" class="primary" disabled={busy.value}>
        Record paid back ({dollars(amountCents)})
      </button>
      <Problem text={problem.value} />
    </form>
  );
}

function TrackingLink({
  job,
  views,
  onRotated,
}: {
  job: Job;
  views: LinkViewCount | undefined;
  onRotated: () => void;
}) {
  const note = useSignal('');
  const problem = useSignal<string | undefined>(undefined);
  const confirming = useSignal(false);
  if (!job.trackingUrl) return null;
  return (
    <section aria-labelledby="tracking-title">
      <h3 id="tracking-title">Tracking link</h3>
      <p class="link">
        <a href={job.trackingUrl} target="_blank" rel="noreferrer">
          {job.trackingUrl}
        </a>
      </p>
      <p class="link-views">{linkViewsText(views, when)}</p>
      <div class="actions">
        <button
          type="button"
          onClick={async () => {
            try {
              // No clipboard (an insecure origin) or no permission: said, never "Copied".
              if (!navigator.clipboard) throw new Error('no clipboard');
              await navigator.clipboard.writeText(job.trackingUrl!);
              note.value = 'Copied';
            } catch {
              note.value = 'Could not copy: select the link above and copy it';
            }
          }}
        >
          Copy link
        </button>
        {user.value?.role !== 'driver' &&
          (confirming.value ? (
            <>
              <span>The old link stops working at once.</span>
              <button
                type="button"
                class="danger"
                onClick={async () => {
                  confirming.value = false;
                  problem.value = undefined;
                  note.value = '';
                  try {
                    await api.rotateTrackingLink(job.jobId);
                    note.value = 'New link issued';
                  } catch (error) {
                    problem.value = `Not rotated: ${errorText(error)}. The link shown is the job's link now.`;
                  }
                  // Either way the job is read again: a rotation whose answer was lost shows its new link.
                  onRotated();
                }}
              >
                Rotate now
              </button>
              <button type="button" onClick={() => (confirming.value = false)}>
                Keep it
              </button>
            </>
          ) : (
            <button type="button" onClick={() => (confirming.value = true)}>
              Rotate link
            </button>
          ))}
        <span role="status">{note.value}</span>
      </div>
      <Problem text={problem.value} />
    </section>
  );
}

function Messages({ job, entries, onSent }: { job: Job; entries: TimelineEntry[]; onSent: () => void }) {
  const draft = useDraft(`text:${job.jobId}`, { text: '', key: crypto.randomUUID() });
  const sending = useSignal(false);
  const problem = useSignal<string | undefined>(undefined);
  /** A non-urgent text sent in quiet hours waits for the morning: the dispatcher is told when it goes. */
  const canWait = useSignal(false);
  const held = useSignal<string | undefined>(undefined);
  const thread = messagesOf(entries);
  const stopped = optedOut(entries);
  return (
    <section aria-labelledby="messages-title">
      <h3 id="messages-title">Messages {stopped && <span class="badge warn">opted out</span>}</h3>
      {thread.length === 0 ? (
        <p class="empty">No texts yet.</p>
      ) : (
        <ol class="thread">
          {thread.map((entry) => (
            <li key={entry.eventId} class={`sms ${entry.type === 'SmsReceived' ? 'in' : 'out'}`}>
              <span class="sms-body">
                {entry.body ??
                  `Not sent (${String(entry.template ?? 'text')}): ${String(entry.errorMessage ?? '')}`}
              </span>
              <span class="sms-meta">
                {entry.type === 'SmsReceived' ? 'from customer' : `to ${entry.audience ?? 'customer'}`} ·{' '}
                {when(entry.at)} ·{' '}
                <span class="delivery">
                  {entry.type === 'SmsReceived'
                    ? 'received'
                    : deliveryText(entry.type === 'SmsFailed' ? 'failed' : entry.status, entry.errorCode)}
                </span>
                {lateness(entry) && <span class="late"> · {lateness(entry)}</span>}
              </span>
              {entry.revokedConsent === true && (
                <MisreadOptOut job={job} entry={entry} stillOptedOut={stopped} onRestored={onSent} />
              )}
            </li>
          ))}
        </ol>
      )}
      {user.value?.role !== 'driver' && (
        <form
          class="compose"
          onSubmit={async (event) => {
            event.preventDefault();
            if (!draft.value.text.trim()) return;
            sending.value = true;
            problem.value = undefined;
            try {
              // The key is the draft's: a retry after a dropped answer sends nothing twice.
              const answer = await api.textCustomer(
                job.jobId,
                draft.value.text,
                draft.value.key,
                canWait.value,
              );
              held.value = 'heldUntil' in answer ? answer.heldUntil : undefined;
              draft.clear();
              draft.value = { text: '', key: crypto.randomUUID() };
              onSent();
            } catch (error) {
              problem.value = (error as Error).message;
              // The API answered no (Twilio refused the number, the customer opted out, no consent on
              // record…): that outcome is kept under this key, so the next try (the number fixed) needs a
              // key of its own. A dropped connection or a 5xx keeps the key: the text may have gone.
              if (isRefusal(error)) draft.value = { ...draft.value, key: crypto.randomUUID() };
            } finally {
              sending.value = false;
            }
          }}
        >
          <label>
            Text the customer
            <textarea
              rows={2}
              maxLength={640}
              value={draft.value.text}
              onInput={(event) => {
                draft.value = { ...draft.value, text: event.currentTarget.value };
              }}
            />
          </label>
          <label class="inline">
            <input
              type="checkbox"
              checked={canWait.value}
              onChange={(event) => {
                canWait.value = event.currentTarget.checked;
              }}
            />{' '}
            Not urgent: hold it during quiet hours
          </label>
          {held.value && (
            <p class="muted" role="status">
              Quiet hours: the text goes out {when(held.value)}.
            </p>
          )}
          <Problem text={problem.value} />
          <button type="submit" class="primary" disabled={sending.value || stopped}>
            {sending.value ? 'Sending…' : 'Send text'}
          </button>
        </form>
      )}
    </section>
  );
}

/**
 * A reply the system read as "stop texting me": flagged, and while the number is still opted out, one
 * action undoes it (the API re-subscribes the number and audits who did it).
 */
function MisreadOptOut({
  job,
  entry,
  stillOptedOut,
  onRestored,
}: {
  job: Job;
  entry: TimelineEntry;
  stillOptedOut: boolean;
  onRestored: () => void;
}) {
  const busy = useSignal(false);
  const problem = useSignal<string | undefined>(undefined);
  const canUndo = stillOptedOut && user.value?.role !== 'driver' && entry.messageSid !== undefined;
  return (
    <span class="opt-out-flag">
      <span class="badge warn">read as an opt-out</span>
      {canUndo && (
        <button
          type="button"
          disabled={busy.value}
          onClick={async () => {
            busy.value = true;
            problem.value = undefined;
            try {
              await api.restoreConsent(job.jobId, entry.messageSid!);
              onRestored();
            } catch (error) {
              problem.value = (error as Error).message;
            } finally {
              busy.value = false;
            }
          }}
        >
          {busy.value ? 'Undoing…' : 'Not an opt-out: keep texting'}
        </button>
      )}
      {problem.value && (
        <span class="error" role="alert">
          {problem.value}
        </span>
      )}
    </span>
  );
}

/** Why a text was held back, in a dispatcher's words. */
const SUPPRESSED_REASON: Record<string, string> = {
  'opted-out': 'the customer opted out',
  'no-consent': 'no consent to texts on record — call the customer',
  complained: 'the customer complained in a reply, so no review request',
  'recently-asked': 'already asked for a review in the last 90 days',
  'no-longer-due': 'the job changed before it was due',
  undone: 'the status was undone before the text went out',
  stale: 'the job had moved on',
  'too-late': 'too late to be news (over 30 minutes after it happened)',
};

/** How the customer agreed to texts (the timeline entry of the job's creation or the edit that recorded it). */
function consentText(consent: TimelineEntry['smsConsent']): string {
  if (consent === 'none') return ' · no consent to texts';
  if (!consent || typeof consent !== 'object') return '';
  const { source, statement } = consent as { source?: string; statement?: string };
  const how: Record<string, string> = {
    'web-booking': 'ticked the box on the booking form',
    dispatcher: 'recorded by a dispatcher',
    'inbound-text': 'texted us first',
    'first-system': 'texted by the first system',
  };
  return ` · texts OK: ${how[source ?? ''] ?? source} (“${statement ?? ''}”)`;
}

function timelineText(entry: TimelineEntry): string {
  switch (entry.type) {
    case 'JobCreated':
      return `Job created${consentText(entry.smsConsent)}`;
    case 'JobDetailsChanged':
      return `Job details changed${consentText(entry.smsConsent)}`;
    case 'SmsSuppressed':
      return `Not texted (${entry.template ?? 'text'}): ${SUPPRESSED_REASON[String(entry.reason)] ?? entry.reason}`;
    case 'JobStatusChanged':
      return `Status → ${STATUS_LABEL[entry.status as Job['status']] ?? entry.status}${entry.correction ? ` (correction: ${entry.reason ?? ''})` : ''}`;
    case 'SmsSent':
      return `Texted ${entry.audience ?? 'customer'}`;
    case 'SmsReceived':
      return entry.revokedConsent === true ? 'Customer replied: read as an opt-out' : 'Customer replied';
    case 'SmsConsentRestored':
      return `Texts resumed: ${entry.actor ?? 'a dispatcher'} undid the opt-out read into a reply`;
    case 'SmsFailed':
      return `Text failed: ${deliveryText('failed', entry.errorCode)}`;
    case 'CrewChecklistItemTicked':
      return `Crew ${entry.done ? 'ticked' : 'unticked'} "${entry.label ?? entry.itemId}"`;
    case 'DeadLetterRedriven':
      return `Failed delivery sent again (${entry.consumer ?? 'consumer'})`;
    case 'DeadLetterDiscarded':
      return `Failed delivery discarded: ${entry.reason ?? ''}`;
    case 'JobRefundFailed':
      return 'Card refund failed: the customer is to be paid back another way';
    case 'JobRefundPaidBack':
      return `Failed refund paid back another way${entry.actor ? ` (recorded by ${entry.actor})` : ''}`;
    case 'JobPaymentDisputed':
      return "Card payment disputed by the customer's bank";
    case 'JobPaymentDisputeClosed':
      return `Card payment dispute ${(entry.dispute as { outcome?: string } | undefined)?.outcome ?? 'closed'}`;
    default:
      return entry.type.replace(/([a-z])([A-Z])/g, '$1 $2');
  }
}

/** The charter crew's checklist as they left it (ticks come through their crew links). */
function CrewChecklist({ entries }: { entries: TimelineEntry[] }) {
  const items = checklistFrom(entries);
  if (items.length === 0) return null;
  return (
    <section aria-labelledby="checklist-title">
      <h3 id="checklist-title">Crew checklist ({items.filter((item) => item.done).length} ticked)</h3>
      <ul class="checklist">
        {items.map((item) => (
          <li key={item.itemId}>
            <span aria-hidden="true">{item.done ? '☑' : '☐'}</span> {item.label}
            <span class="muted">
              {' '}
              · {item.done ? 'ticked' : 'unticked'} by {item.crewId} {when(item.at)}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function Drawer({ jobId, onClose }: { jobId: string; onClose: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  // Opened, focus moves in (on a phone the drawer covers the board: focus left on the card behind it
  // was lost to a keyboard or screen reader); Escape closes it, and the board puts focus back on the card.
  useEffect(() => {
    heading.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !event.defaultPrevented) close.current();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  const job = useSignal<Job | undefined>(undefined);
  const linkViews = useSignal<LinkViewCount | undefined>(undefined);
  const entries = useSignal<TimelineEntry[]>([]);
  const problem = useSignal<string | undefined>(undefined);

  const load = async () => {
    try {
      const loaded = await api.job(jobId);
      job.value = loaded.job;
      linkViews.value = loaded.trackingLinkViews;
      problem.value = undefined;
    } catch (error) {
      problem.value = (error as Error).message;
      return;
    }
    entries.value = await api
      .timeline(jobId)
      .then((timeline) => timeline.entries)
      .catch(() => entries.value);
  };
  usePolling(load, DRAWER_POLL_MS, [jobId]);

  return (
    <aside class="drawer" aria-labelledby="drawer-title">
      <div class="drawer-head">
        <h2 id="drawer-title" ref={heading} tabIndex={-1}>
          {job.value?.customer.name ?? 'Job'}
        </h2>
        {job.value && <span class={`chip status-${job.value.status}`}>{statusLabel(job.value)}</span>}
        <button type="button" class="close" onClick={onClose} aria-label="Close the job">
          ✕
        </button>
      </div>
      <Problem text={problem.value} />
      {job.value && (
        <>
          <StatusActions job={job.value} onChanged={(changed) => (job.value = changed)} />
          <Details job={job.value} onSaved={(saved) => (job.value = saved)} />
          <Payment job={job.value} onPaid={(paid) => (job.value = paid)} />
          <TrackingLink job={job.value} views={linkViews.value} onRotated={load} />
          <Messages job={job.value} entries={entries.value} onSent={load} />
          <PhotoStrip jobId={jobId} />
          {user.value?.role !== 'driver' && <CalendarStatus job={job.value} />}
          <CrewChecklist entries={entries.value} />
          <section aria-labelledby="timeline-title">
            <h3 id="timeline-title">Timeline</h3>
            <ol class="timeline">
              {entries.value.map((entry) => (
                <li key={entry.eventId}>
                  <time dateTime={entry.at}>{when(entry.at)}</time> {timelineText(entry)}
                  {entry.actor ? <span class="actor"> · {entry.actor}</span> : null}
                </li>
              ))}
            </ol>
          </section>
        </>
      )}
    </aside>
  );
}
