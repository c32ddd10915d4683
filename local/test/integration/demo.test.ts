import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestCloud, type TestCloud } from '../../src/test-harness.ts';

// `npm run demo`, the README's walkthrough, as a newcomer runs it beside a started cloud. It failed at
// its second step once drivers could act only on their own crew's jobs of the day (issue 17): it booked
// tomorrow's job for no crew, and nothing ran it until a walkthrough from a fresh clone.
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
let harness: TestCloud;

beforeAll(async () => {
  harness = await startTestCloud('demo');
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

/** Runs the demo as `npm run demo` does (asynchronously: this process serves the cloud it calls). */
function runDemo(apiUrl: string): Promise<{ code: number | null; output: string }> {
  return promisify(execFile)(process.execPath, ['local/src/cli/demo.ts'], {
    cwd: repoRoot,
    env: { ...process.env, QDN_API_URL: apiUrl },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: error.code ?? null,
      output: `${error.stdout ?? ''}${error.stderr ?? ''}`,
    }),
  );
}

describe('npm run demo', () => {
  it('given a started cloud, when the demo runs, then every step answers, the customer gets each of the four texts, the backup team the relay, the tracking page opens and nothing is dead-lettered', async () => {
    // Act
    const { code, output } = await runDemo(harness.cloud.apiUrl);
    await harness.cloud.settled();

    // Assess
    expect({ code, output }).toMatchObject({ code: 0 });
    const jobId = /→ 201 job (\S+),/.exec(output)?.[1];
    const phone = /to the customer (\+1\d{10})/.exec(output)?.[1];
    const trackingUrl = /^ {3}(http:\/\/\S+\/track\/\S+)$/m.exec(output)?.[1];
    expect({ jobId, phone, trackingUrl }).toEqual({
      jobId: expect.stringMatching(/^qdn_/),
      phone: expect.any(String),
      trackingUrl: expect.any(String),
    });
    const outbound = harness.cloud.twilio
      .messages()
      .filter((message) => message.direction === 'outbound-api');
    expect(outbound.filter((message) => message.to === phone).map((message) => message.body)).toEqual([
      expect.stringMatching(/^Hi Mark, your trailer pickup & dump is booked for /),
      expect.stringMatching(/^Hi Mark, we're on the way - about 25 min\. Track: /),
      expect.stringMatching(/^Hi Mark, we've arrived /),
      expect.stringMatching(/^Thanks Mark, your trailer pickup & dump is complete\. Total: \$600\.00/),
    ]);
    expect(
      outbound.filter((message) => message.to !== phone && message.body.includes('Gate code is 4521')),
    ).not.toHaveLength(0);
    const job = await harness.api('GET', `/jobs/${jobId}`, { role: 'dispatcher' });
    expect(job.body.job).toMatchObject({ status: 'complete' });
    expect(output).toMatch(/JobStatusChanged +complete/);
    // The printed link is the brand's configured site; this cloud's pages are on a port of their own.
    // The page is static and shows what the API answers for its token.
    const { pathname } = new URL(trackingUrl!);
    const page = await fetch(`${harness.cloud.siteUrl}${pathname}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<title>Your booking<\/title>/);
    const tracked = await harness.api('GET', pathname);
    expect({ status: tracked.status, body: tracked.body }).toMatchObject({
      status: 200,
      body: { job: { status: 'complete', serviceLabel: 'Trailer pickup & dump' } },
    });
    const deadLettered = [...harness.cloud.provisioned.queues.values()]
      .filter((queue) => queue.name.endsWith('-dlq'))
      .map((queue) => ({ name: queue.name, held: heldIn(queue.name) }))
      .filter((queue) => queue.held > 0);
    expect(deadLettered).toEqual([]);
  }, 120_000);
});

function heldIn(name: string): number {
  const { messages } = harness.cloud.fauxqs.inspectQueue(name)!;
  return messages.ready.length + messages.delayed.length + messages.inflight.length;
}
