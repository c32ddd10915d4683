// `npm run demo` — a walk through a QuickDumpNow job on the running local cloud (`npm start` in another
// terminal): the dispatcher books it, the driver moves it en route, the customer texts back, the
// brand's backup team gets the relay, the job arrives and completes. Every text the customer gets is
// printed as it reaches the (fake) Twilio, then the job's timeline and its tracking page URL. Each step
// prints the HTTP call it makes, so it doubles as a copy-paste guide to the API.
import { toZonedIso } from '@qdn/shared/zoned-time';

const base = process.env.QDN_API_URL ?? `http://localhost:${process.env.QDN_PORT ?? 3000}`;
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;

interface OutboxMessage {
  sid: string;
  direction: string;
  to: string;
  from: string | null;
  body: string;
  status: string;
}

async function call<T>(
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    console.error(
      `Nothing answers at ${base}. Start the local cloud first: \`npm start\` (QDN_PORT / QDN_API_URL).`,
    );
    process.exit(1);
  }
  const text = await response.text();
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    console.error(`\n${method} ${path} → ${response.status} ${text}`);
    process.exit(1);
  }
  return body as T;
}

const step = (title: string) => console.log(`\n── ${title} (${elapsed()})`);
const show = (method: string, path: string, body?: unknown) =>
  console.log(`   ${method} ${path}${body === undefined ? '' : `\n   ${JSON.stringify(body)}`}`);

async function outbox(): Promise<OutboxMessage[]> {
  return (await call<{ messages: OutboxMessage[] }>('GET', '/_local/twilio/messages')).messages;
}

/** Waits until the outbox holds `count` texts matching `filter`, prints the new ones, and returns them. */
async function textsUntil(
  filter: (message: OutboxMessage) => boolean,
  count: number,
  label: (message: OutboxMessage) => string,
  printed: Set<string>,
): Promise<OutboxMessage[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const matching = (await outbox()).filter(filter);
    if (matching.length >= count) {
      for (const message of matching.filter((candidate) => !printed.has(candidate.sid))) {
        printed.add(message.sid);
        console.log(`   📱 ${label(message)}\n      “${message.body}”`);
      }
      return matching;
    }
    if (Date.now() > deadline) {
      console.error(
        `   no text after 60 s (have ${matching.length} of ${count}); see .qdn/logs/ and npm run ops -- dlqs`,
      );
      process.exit(1);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const health = await call<{ ok: boolean }>('GET', '/_local/health');
if (!health.ok) {
  console.error('The local cloud is not healthy yet; try again in a moment.');
  process.exit(1);
}
// A driver acts only on the jobs of the day that name their crew: the demo's job is today's, for the
// crew of the driver it signs in as.
const DEMO_CREW_ID = 'crew_demo_driver';
const { token: dispatcher } = await call<{ token: string }>('GET', '/_local/token?role=dispatcher');
const { token: driver } = await call<{ token: string }>(
  'GET',
  `/_local/token?role=driver&crewId=${DEMO_CREW_ID}`,
);
// A new customer number per run, so each demo is a first conversation (and ends with the opt-out line).
const phone = `+1619555${String(Math.floor(1000 + Math.random() * 8999))}`;
const toCustomer = (message: OutboxMessage) => message.direction === 'outbound-api' && message.to === phone;
const printed = new Set<string>();
// Today in the brand's time zone, in its first window not over yet (after the last one ends, the last:
// a job may run late). A run across midnight there would see the driver's job become yesterday's.
const { timeZone, windows } = await call<{
  timeZone: string;
  windows: Record<string, { start: string; end: string }>;
}>('GET', '/brands/qdn');
const now = toZonedIso(new Date(), timeZone);
const date = now.slice(0, 10);
const byStart = Object.entries(windows).sort(([, a], [, b]) => a.start.localeCompare(b.start));
const [window] = byStart.find(([, hours]) => hours.end > now.slice(11, 16)) ?? byStart.at(-1)!;

step(
  `1. The dispatcher books a QuickDumpNow trailer pickup for today, for the driver's crew (token: npm run token -- --role dispatcher)`,
);
const jobBody = {
  brandId: 'qdn',
  customer: { name: 'Mark Soderblom', phone },
  address: { text: '4521 Soderblom Ave, San Diego, CA 92122', lat: 32.8328, lng: -117.2011 },
  serviceType: 'trailer_pickup_and_dump',
  schedule: { date, window },
  crewIds: [DEMO_CREW_ID],
};
show('POST', '/jobs', jobBody);
const { job, trackingUrl } = await call<{ job: { jobId: string; status: string }; trackingUrl: string }>(
  'POST',
  '/jobs',
  { token: dispatcher, body: jobBody },
);
console.log(`   → 201 job ${job.jobId}, status ${job.status}`);
await textsUntil(toCustomer, 1, () => `to the customer ${phone}`, printed);

step(`2. The driver heads out (a driver's token: npm run token -- --role driver --crew-id ${DEMO_CREW_ID})`);
show('POST', `/jobs/${job.jobId}/status`, { status: 'en_route', etaMinutes: 25 });
await call('POST', `/jobs/${job.jobId}/status`, {
  token: driver,
  body: { status: 'en_route', etaMinutes: 25 },
});
await textsUntil(toCustomer, 2, () => `to the customer ${phone}`, printed);

step('3. The customer texts back (the fake Twilio posts a signed webhook to /twilio/inbound)');
const reply = 'Gate code is 4521, trailer can go on the left of the driveway';
show('POST', '/_local/twilio/inbound', { from: phone, body: reply });
await call('POST', '/_local/twilio/inbound', { body: { from: phone, body: reply } });
console.log('   … relayed to the brand’s backup team, with the job and a #code to answer with:');
await textsUntil(
  (message) => message.direction === 'outbound-api' && message.body.includes(reply) && message.to !== phone,
  1,
  (message) => `to the backup team ${message.to}`,
  printed,
);

step('4. The driver arrives, dumps the trailer, and completes the job');
for (const status of ['arrived', 'complete'] as const) {
  show('POST', `/jobs/${job.jobId}/status`, { status });
  await call('POST', `/jobs/${job.jobId}/status`, { token: driver, body: { status } });
  if (status === 'complete') {
    // A mis-tapped "complete" can be undone for the brand's undoWindowSeconds, so its text waits that
    // long (an EventBridge Scheduler schedule). The demo moves the local scheduler's clock past it.
    console.log(
      '   … the "complete" text waits out the 60 s undo window; the demo moves the local scheduler clock:',
    );
    show('POST', '/_local/scheduler', { advanceBy: 61 });
    await call('POST', '/_local/scheduler', { body: { advanceBy: 61 } });
  }
  await textsUntil(toCustomer, status === 'arrived' ? 3 : 4, () => `to the customer ${phone}`, printed);
}

step('5. The job’s timeline, as the dispatcher sees it');
show('GET', `/jobs/${job.jobId}/timeline`);
// Entries are settled a moment after the last text (its SmsSent event goes through the bus).
await new Promise((resolve) => setTimeout(resolve, 1500));
const { entries } = await call<{ entries: Record<string, unknown>[] }>('GET', `/jobs/${job.jobId}/timeline`, {
  token: dispatcher,
});
for (const entry of entries) {
  const relayedTo = Array.isArray(entry.to) ? `to ${entry.to.join(', ')}` : undefined;
  const detail =
    (entry.body as string | undefined) ??
    (entry.status as string | undefined) ??
    relayedTo ??
    (entry.template as string | undefined) ??
    '';
  // The dispatcher's clock: the brand's time zone, not UTC.
  const time = toZonedIso(new Date(String(entry.at)), timeZone).slice(11, 19);
  console.log(`   ${time}  ${String(entry.type).padEnd(20)} ${detail.replaceAll('\n', ' ').slice(0, 90)}`);
}

step('6. The customer’s tracking page (open it in a browser)');
console.log(`   ${trackingUrl}`);
console.log(`\nDone in ${elapsed()}. Every text: npm run outbox · more routes: README.md`);
