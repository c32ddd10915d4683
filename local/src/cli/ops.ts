// Dispatcher operations from a terminal, over the same /ops routes the dashboard calls, for every service:
//   npm run ops -- dlqs
//   npm run ops -- messages <consumer>                      (or <service>/<consumer>)
//   npm run ops -- redrive <consumer> [messageId…]          (no ids: every message)
//   npm run ops -- discard <consumer> <messageId> --reason "why"
//   npm run ops -- replay --from 2026-11-21T00:00:00Z --to 2026-11-22T00:00:00Z [--consumer calendar]
//   npm run ops -- replay-status <name>
// Against the running local cloud by default (its API and a dev token from its control API), or a
// deployed stage with --api https://… --token <JWT> (or QDN_API_URL / QDN_TOKEN). --json for scripts.
import { parseArgs } from 'node:util';
import type {
  DeadLetterListing,
  DeadLetterQueueSummary,
  DiscardResult,
  RedriveResult,
} from '@qdn/shared/ops-dead-letters';
import type { ReplayView } from '@qdn/shared/ops-replay';

const SERVICES = ['jobs', 'notifications', 'media', 'calendar', 'scc-bridge'] as const;
const USAGE = `usage: npm run ops -- <command> [options]
  dlqs                                      every consumer's DLQ: depth, oldest message, backlog
  messages <consumer>                       the parked messages, decoded, with a suggested action
  redrive <consumer> [messageId…]           back to the consumer's queue (no ids: all of them)
  discard <consumer> <messageId> --reason "why"
  replay --from <ISO time> --to <ISO time> [--consumer <consumer>]
  replay-status <name>
options: --api <url> --token <jwt> (a deployed stage; default: the local cloud) --role dispatcher|admin --json
A consumer may be written <service>/<consumer> (e.g. media/media-jobs). A replay goes to a consumer's rule on
the bus, qdn-<stage>-<consumer>: those \`dlqs\` marks replayable (sms, timeline, calendar, calendar-push,
crew-status, crew, media-jobs).`;

class CliError extends Error {}

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    api: { type: 'string' },
    token: { type: 'string' },
    role: { type: 'string', default: 'dispatcher' },
    json: { type: 'boolean', default: false },
    reason: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    consumer: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
const [command, ...args] = positionals;

const apiUrl = (
  options.api ??
  process.env.QDN_API_URL ??
  `http://localhost:${process.env.QDN_PORT ?? 3000}`
).replace(/\/$/, '');

async function reach(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch {
    throw new CliError(
      options.api || process.env.QDN_API_URL
        ? `Nothing answers at ${apiUrl}.`
        : `Nothing answers at ${apiUrl}. Is \`npm start\` running? (or pass --api and --token for a deployed stage)`,
    );
  }
}

/** The caller's JWT: given, or (locally) a dev token from the control API, as `npm run token` gets one. */
async function bearerToken(): Promise<string> {
  const given = options.token ?? process.env.QDN_TOKEN;
  if (given) return given;
  if (options.api) throw new CliError('A deployed stage needs --token <JWT> (or QDN_TOKEN).');
  const response = await reach(
    `${apiUrl}/_local/token?role=${encodeURIComponent(options.role ?? 'dispatcher')}`,
  );
  if (!response.ok) throw new CliError(`The local control API refused a token: ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

let token: Promise<string> | undefined;

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  token ??= bearerToken();
  const response = await reach(`${apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const answer = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!response.ok) {
    const details = Array.isArray(answer.details)
      ? (answer.details as { field?: string; message?: string }[])
          .map((detail) => `\n  ${detail.field ?? ''}: ${detail.message ?? JSON.stringify(detail)}`)
          .join('')
      : '';
    throw new CliError(`${method} ${path} → ${response.status}: ${String(answer.error ?? text)}${details}`);
  }
  return answer as T;
}

const summariesOf = (service: string) =>
  call<{ service: string; consumers: DeadLetterQueueSummary[] }>('GET', `/ops/${service}/dlqs`);

/** Every service's consumers (a stage missing a service just lacks its lines). */
async function allSummaries(): Promise<(DeadLetterQueueSummary & { service: string })[]> {
  const answers = await Promise.allSettled(SERVICES.map((service) => summariesOf(service)));
  const lines: (DeadLetterQueueSummary & { service: string })[] = [];
  answers.forEach((answer, index) => {
    if (answer.status === 'fulfilled') {
      for (const line of answer.value.consumers) lines.push({ ...line, service: answer.value.service });
    } else if (!(answer.reason instanceof CliError && / → 404:/.test(answer.reason.message))) {
      throw answer.reason;
    } else {
      console.error(`(no ops routes for ${SERVICES[index]} here)`);
    }
  });
  return lines;
}

/** `<service>/<consumer>`, or a consumer name looked up across the services. */
async function serviceOf(
  consumerArgument: string | undefined,
): Promise<{ service: string; consumer: string }> {
  if (!consumerArgument) throw new CliError(USAGE);
  const [first, second] = consumerArgument.split('/');
  if (second) return { service: first!, consumer: second };
  const owners = (await allSummaries()).filter((line) => line.consumer === consumerArgument);
  if (owners.length === 0)
    throw new CliError(`No service has a consumer ${consumerArgument}. Try: npm run ops -- dlqs`);
  if (owners.length > 1) {
    throw new CliError(
      `${consumerArgument} is a consumer of ${owners.map((o) => o.service).join(' and ')}: write <service>/${consumerArgument}`,
    );
  }
  return { service: owners[0]!.service, consumer: consumerArgument };
}

function ago(iso: string | undefined): string {
  if (!iso) return '';
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 90) return `${seconds}s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86_400)}d ago`;
}

/** One line a person can read: zod's issue list (a JSON array) as `path: message; …`, long text cut. */
function oneLine(message: string | undefined): string {
  if (!message) return '';
  let text = message;
  try {
    const issues = JSON.parse(message) as { path?: unknown[]; message?: string }[];
    if (Array.isArray(issues)) {
      text = issues
        .map((issue) => `${(issue.path ?? []).join('.') || '(body)'}: ${issue.message ?? ''}`)
        .join('; ');
    }
  } catch {
    // Not JSON: a plain error message.
  }
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

function table(header: string[], rows: (string | number | undefined)[][]): string {
  const cells = [header, ...rows.map((row) => row.map((cell) => (cell === undefined ? '' : String(cell))))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : (cell ?? '').padEnd(widths[column]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function print(result: unknown, forPeople: () => string): void {
  console.log(options.json ? JSON.stringify(result, null, 2) : forPeople());
}

async function run(): Promise<void> {
  if (options.help || !command) {
    console.log(USAGE);
    return;
  }
  switch (command) {
    case 'dlqs': {
      const lines = await allSummaries();
      print(lines, () =>
        table(
          ['SERVICE', 'CONSUMER', 'IN DLQ', 'OLDEST', 'QUEUE BACKLOG', 'WHAT IT DOES'],
          lines.map((line) => [
            line.service,
            line.consumer,
            line.dlqDepth + (line.dlqInFlight ? ` (+${line.dlqInFlight} in flight)` : ''),
            ago(line.oldestMessageSentAt),
            line.sourceQueueDepth,
            line.purpose,
          ]),
        ),
      );
      return;
    }
    case 'messages': {
      const { service, consumer } = await serviceOf(args[0]);
      const listing = await call<DeadLetterListing>('GET', `/ops/${service}/dlqs/${consumer}/messages`);
      print(listing, () => {
        if (listing.count === 0) return `The ${service}/${consumer} DLQ is empty.`;
        const rows = listing.messages.map((message) => [
          message.messageId,
          message.eventType,
          message.jobId,
          message.customerFirstName,
          message.failure
            ? `${message.failure.errorClass}${message.failure.errorCode ? ` ${message.failure.errorCode}` : ''}`
            : '(no record)',
          message.failure?.attempts,
          ago(message.failure?.lastFailureAt ?? message.sentAt),
          message.suggestedAction,
        ]);
        const reasons = listing.messages.map(
          (message) =>
            `${message.messageId}  ${message.purpose}${message.eventType ? ` (${message.eventType})` : ''}\n    ${oneLine(message.failure?.errorMessage)}${message.failure ? '\n    ' : ''}→ ${message.suggestedAction}: ${message.why}`,
        );
        return [
          `${listing.count} message(s) in ${listing.dlq}${listing.truncated ? ' (more than shown)' : ''}`,
          table(['MESSAGE ID', 'EVENT', 'JOB', 'CUSTOMER', 'FAILURE', 'TRIES', 'LAST', 'SUGGESTED'], rows),
          '',
          ...reasons,
        ].join('\n');
      });
      return;
    }
    case 'redrive': {
      const { service, consumer } = await serviceOf(args[0]);
      const ids = args.slice(1);
      const result = await call<RedriveResult>(
        'POST',
        `/ops/${service}/dlqs/${consumer}/redrive`,
        ids.length > 0 ? { messageIds: ids } : {},
      );
      print(result, () =>
        [
          result.moveTask
            ? `SQS is moving about ${result.moveTask.approximateNumberOfMessages} message(s) back (task ${result.moveTask.taskHandle}).`
            : `Moved ${result.moved.length} message(s) back to ${service}/${consumer}.`,
          ...result.moved.map((moved) => `  ${moved.messageId} → ${moved.newMessageId ?? '?'}`),
          ...(result.notFound.length > 0
            ? [`Not in the DLQ (nothing done): ${result.notFound.join(', ')}`]
            : []),
          ...result.failed.map((failed) => `Could not move ${failed.messageId}: ${failed.error}`),
        ].join('\n'),
      );
      if (result.failed.length > 0 || result.notFound.length > 0) process.exitCode = 1;
      return;
    }
    case 'discard': {
      const { service, consumer } = await serviceOf(args[0]);
      if (!args[1] || !options.reason)
        throw new CliError('usage: npm run ops -- discard <consumer> <messageId> --reason "why"');
      const result = await call<DiscardResult>('POST', `/ops/${service}/dlqs/${consumer}/discard`, {
        messageId: args[1],
        reason: options.reason,
      });
      print(
        result,
        () =>
          `Discarded ${result.messageId}${result.jobId ? `; the reason is on job ${result.jobId}'s timeline` : ''}.`,
      );
      return;
    }
    case 'replay': {
      if (!options.from || !options.to)
        throw new CliError(
          'usage: npm run ops -- replay --from <ISO time> --to <ISO time> [--consumer <consumer>]',
        );
      const { replay } = await call<{ replay: ReplayView }>('POST', '/ops/jobs/replays', {
        from: options.from,
        to: options.to,
        ...(options.consumer ? { consumer: options.consumer } : {}),
      });
      print(
        replay,
        () =>
          `Replay ${replay.name} ${replay.state}: ${replay.from} → ${replay.to} to ${replay.consumer ?? 'every consumer'}.\nProgress: npm run ops -- replay-status ${replay.name}`,
      );
      return;
    }
    case 'replay-status': {
      if (!args[0]) throw new CliError('usage: npm run ops -- replay-status <name>');
      const { replay } = await call<{ replay: ReplayView }>(
        'GET',
        `/ops/jobs/replays/${encodeURIComponent(args[0])}`,
      );
      print(replay, () =>
        table(
          ['REPLAY', 'STATE', 'TO', 'WINDOW', 'REPLAYED UP TO'],
          [
            [
              replay.name,
              replay.state + (replay.stateReason ? ` (${replay.stateReason})` : ''),
              replay.consumer ?? 'all',
              `${replay.from} → ${replay.to}`,
              replay.lastReplayedAt ?? '',
            ],
          ],
        ),
      );
      return;
    }
    default:
      throw new CliError(USAGE);
  }
}

try {
  await run();
} catch (error) {
  console.error(error instanceof CliError ? error.message : error);
  process.exitCode = process.exitCode || 1;
}
