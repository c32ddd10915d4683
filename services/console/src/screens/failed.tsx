// Failed deliveries: every service's dead-letter queues in one list (GET /ops/<service>/dlqs), each
// message decoded with the suggested action; redrive one or all, discard with a reason (on the job's
// timeline), replay a window of the bus archive to one consumer. Every action asks first, and the
// buttons lock while it runs: a second click does nothing, and the API treats a message that is no
// longer parked as "not found", never a second send.
import { signal, useSignal } from '@preact/signals';
import type { DeadLetterListing, DeadLetterQueueSummary } from '@qdn/shared/ops-dead-letters';
import { api, errorText } from '../api.ts';
import { ageText, deliveryText, replayWindow } from '../domain.ts';
import { usePolling } from '../use-polling.ts';
import { Problem } from './problem.tsx';

/** The services with /ops/<service>/dlqs routes. */
export const OPS_SERVICES = ['jobs', 'notifications', 'calendar', 'media', 'scc-bridge'] as const;

/** Services whose DLQs could not be read on the last look (shown, never silently left out). */
const unreadable = signal<string[]>([]);

async function allSummaries(): Promise<(DeadLetterQueueSummary & { service: string })[]> {
  const lists = await Promise.allSettled(
    OPS_SERVICES.map((service) =>
      api.dlqs(service).then(({ consumers }) => consumers.map((summary) => ({ ...summary, service }))),
    ),
  );
  unreadable.value = OPS_SERVICES.filter((_, index) => lists[index]!.status === 'rejected');
  return lists.flatMap((list) => (list.status === 'fulfilled' ? list.value : []));
}

/** The nav badge: messages parked across every DLQ. */
export const failedCount = {
  count: signal(0),
  async refresh() {
    const summaries = await allSummaries();
    failedCount.count.value = summaries.reduce((sum, summary) => sum + summary.dlqDepth, 0);
  },
};

function Confirm({
  label,
  question,
  onConfirm,
  danger,
  needsReason,
}: {
  label: string;
  question: string;
  onConfirm: (reason: string) => Promise<void>;
  danger?: boolean;
  needsReason?: boolean;
}) {
  const open = useSignal(false);
  const busy = useSignal(false);
  const reason = useSignal('');
  // Why the last try did not go (the API's words): shown until the next try, the question left open.
  const problem = useSignal<string | undefined>(undefined);
  if (!open.value)
    return (
      <button
        type="button"
        class={danger ? 'danger' : undefined}
        onClick={() => {
          problem.value = undefined;
          open.value = true;
        }}
      >
        {label}
      </button>
    );
  return (
    <form
      class="confirm-inline"
      onSubmit={async (event) => {
        event.preventDefault();
        if (busy.value) return;
        busy.value = true;
        problem.value = undefined;
        try {
          await onConfirm(reason.value);
          open.value = false;
        } catch (error) {
          problem.value = `Not done: ${errorText(error)}`;
        } finally {
          busy.value = false;
        }
      }}
    >
      <span>{question}</span>
      {needsReason && (
        <label>
          Reason
          <input
            value={reason.value}
            required
            minLength={3}
            onInput={(event) => (reason.value = event.currentTarget.value)}
          />
        </label>
      )}
      <button type="submit" class={danger ? 'danger' : 'primary'} disabled={busy.value}>
        {busy.value ? 'Working…' : `Yes, ${label.toLowerCase()}`}
      </button>
      <button type="button" onClick={() => (open.value = false)} disabled={busy.value}>
        No
      </button>
      <Problem text={problem.value} />
    </form>
  );
}

function Consumer({
  service,
  summary,
  onChange,
}: {
  service: string;
  summary: DeadLetterQueueSummary;
  onChange: () => void;
}) {
  const listing = useSignal<DeadLetterListing | undefined>(undefined);
  const outcome = useSignal('');
  usePolling(
    async () => {
      listing.value = await api.deadLetters(service, summary.consumer);
    },
    5_000,
    [service, summary.consumer, summary.dlqDepth],
  );
  const redrive = async (messageIds?: string[]) => {
    const result = await api.redrive(service, summary.consumer, messageIds);
    const moved = result.moveTask ? result.moveTask.approximateNumberOfMessages : result.moved.length;
    outcome.value = `Redriven: ${moved}${result.notFound.length ? `, already gone: ${result.notFound.length}` : ''}${result.failed.length ? `, failed: ${result.failed.length}` : ''}`;
    onChange();
    // Done either way: a list that can't be read now is read again by the next poll.
    listing.value = await api.deadLetters(service, summary.consumer).catch(() => listing.value);
  };
  return (
    <section class="consumer" aria-labelledby={`dlq-${service}-${summary.consumer}`}>
      <h2 id={`dlq-${service}-${summary.consumer}`}>
        {service} · {summary.consumer} <span class="badge">{summary.dlqDepth}</span>
      </h2>
      <p class="muted">{summary.purpose}</p>
      <div class="actions">
        <Confirm
          label="Redrive all"
          question={`Send all ${summary.dlqDepth} back to ${summary.consumer}?`}
          onConfirm={() => redrive()}
        />
        <span role="status">{outcome.value}</span>
      </div>
      <ul class="dead-letters">
        {(listing.value?.messages ?? []).map((message) => (
          <li key={message.messageId} class="card dead-letter">
            <p class="what">
              <strong>{message.purpose}</strong>
              {message.eventType ? ` — ${message.eventType}` : ''}
              {message.customerFirstName ? ` for ${message.customerFirstName}` : ''}
              {message.jobId ? ` (job ${message.jobId})` : ''}
            </p>
            <p class="why">
              Why it failed:{' '}
              {message.failure
                ? `${message.failure.errorCode ? `${deliveryText('failed', message.failure.errorCode.replace(/^HTTP /, 'HTTP '))}: ` : ''}${message.failure.errorMessage}`
                : 'no failure recorded'}
            </p>
            <p class="muted">
              {message.failure?.attempts ?? '?'} attempts · failing since{' '}
              {(message.failure?.firstFailureAt ?? message.sentAt)
                ? ageText(Date.now() - Date.parse((message.failure?.firstFailureAt ?? message.sentAt)!))
                : 'unknown'}
            </p>
            <p class="suggestion">
              Suggested: <strong>{message.suggestedAction.replace(/-/g, ' ')}</strong> — {message.why}
            </p>
            <div class="actions">
              <Confirm
                label="Redrive"
                question="Send this one back to be delivered again?"
                onConfirm={() => redrive([message.messageId])}
              />
              <Confirm
                label="Discard"
                danger
                needsReason
                question="Drop it for good? The reason goes on the job's timeline."
                onConfirm={async (reason) => {
                  await api.discard(service, summary.consumer, message.messageId, reason);
                  outcome.value = 'Discarded';
                  onChange();
                  listing.value = await api.deadLetters(service, summary.consumer).catch(() => listing.value);
                }}
              />
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The consumers a replay can reach: those the ops API says take events from the bus (their declarations). */
function Replay({ consumers }: { consumers: string[] }) {
  const from = useSignal('');
  const to = useSignal('');
  const consumer = useSignal('sms');
  const outcome = useSignal('');
  return (
    <section class="replay" aria-labelledby="replay-title">
      <h2 id="replay-title">Replay a time window</h2>
      <p class="muted">
        Sends the bus archive's events of a window again to one consumer. EventBridge cannot count archived
        events per window, so no number is shown; consumers are idempotent, so nobody is texted twice.
      </p>
      <div class="replay-form">
        <label>
          From{' '}
          <input
            type="datetime-local"
            value={from.value}
            onInput={(e) => (from.value = e.currentTarget.value)}
          />
        </label>
        <label>
          To{' '}
          <input type="datetime-local" value={to.value} onInput={(e) => (to.value = e.currentTarget.value)} />
        </label>
        <label>
          Consumer{' '}
          <select value={consumer.value} onChange={(e) => (consumer.value = e.currentTarget.value)}>
            {consumers.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <Confirm
          label="Replay"
          question={`Replay ${from.value || '?'} → ${to.value || '?'} to ${consumer.value}?`}
          onConfirm={async () => {
            const window = replayWindow(from.value, to.value);
            if ('problem' in window) throw new Error(window.problem);
            const result = await api.replay({ ...window, consumer: consumer.value });
            outcome.value = `Replay ${result.replay.name} started`;
          }}
        />
        <span role="status">{outcome.value}</span>
      </div>
    </section>
  );
}

export function FailedDeliveries() {
  const summaries = useSignal<(DeadLetterQueueSummary & { service: string })[] | undefined>(undefined);
  const load = async () => {
    summaries.value = await allSummaries();
    failedCount.count.value = summaries.value.reduce((sum, summary) => sum + summary.dlqDepth, 0);
  };
  const error = usePolling(load, 5_000);
  const waiting = (summaries.value ?? []).filter((summary) => summary.dlqDepth > 0);
  return (
    <main class="failed">
      <h1>Failed deliveries</h1>
      {error.value && <p class="error">{error.value}</p>}
      {unreadable.value.length > 0 && (
        <p class="error" role="alert">
          Could not read the failed deliveries of: {unreadable.value.join(', ')} (retrying).
        </p>
      )}
      {summaries.value === undefined ? (
        <p class="loading">Loading…</p>
      ) : waiting.length === 0 && unreadable.value.length === 0 ? (
        <p class="empty">Nothing failed: every message was delivered.</p>
      ) : (
        waiting.map((summary) => (
          <Consumer
            key={`${summary.service}/${summary.consumer}`}
            service={summary.service}
            summary={summary}
            onChange={load}
          />
        ))
      )}
      <Replay
        consumers={[
          ...new Set(
            (summaries.value ?? [])
              .filter((summary) => summary.replayable)
              .map((summary) => summary.consumer),
          ),
        ].sort()}
      />
    </main>
  );
}
