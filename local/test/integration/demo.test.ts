import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestCloud, type TestCloud } from '../../src/test-harness.ts';

// The people's commands beside a started cloud, as the README gives them: `npm run demo` (the
// walkthrough) and the shortcuts `token`, `outbox`, `sms` and `ops`. The demo failed at its second step
// once drivers could act only on their own crew's jobs of the day (issue 17): it booked tomorrow's job
// for no crew, and nothing ran it until a walkthrough from a fresh clone.
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
let harness: TestCloud;

beforeAll(async () => {
  harness = await startTestCloud('demo');
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

/**
 * Runs one of local/src/cli's commands as `npm run` does, against the test cloud (asynchronously: this
 * process serves the cloud it calls).
 */
function runCli(script: string, ...args: string[]): Promise<{ code: number | null; output: string }> {
  return promisify(execFile)(process.execPath, [`local/src/cli/${script}`, ...args], {
    cwd: repoRoot,
    env: { ...process.env, QDN_API_URL: harness.cloud.apiUrl },
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
    const { code, output } = await runCli('demo.ts');
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

describe('the shortcuts (npm run token, outbox, sms, ops)', () => {
  it('given a started cloud, when a dispatcher uses each, then each answers as the README says', async () => {
    // Act
    const token = await runCli('control.ts', 'token', '--role', 'driver', '--crew-id', 'crew_ana');
    const badRole = await runCli('control.ts', 'token', '--role', 'captain');
    const phone = '+16195550187';
    const inbound = await runCli('control.ts', 'sms', '--from', phone, 'Is the truck still coming?');
    await harness.cloud.settled();
    const outbox = await runCli('control.ts', 'outbox');
    const dlqs = await runCli('ops.ts', 'dlqs', '--json');
    const empty = await runCli('ops.ts', 'messages', 'sms');
    const unknown = await runCli('ops.ts', 'messages', 'nope');

    // Assess
    expect(token.code).toBe(0);
    const claims = JSON.parse(Buffer.from(token.output.trim().split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ 'cognito:groups': ['driver'], 'custom:crewId': 'crew_ana' });
    expect(badRole).toMatchObject({ code: 1, output: expect.stringContaining('role must be') });
    expect(inbound.code).toBe(0);
    // A number with no job is relayed to the brand's backup team (+16195550101 and …0102 locally).
    expect(outbox.code).toBe(0);
    expect(outbox.output).toMatch(/→ \+1619555010[12] .*\n.*Is the truck still coming\?/);
    expect(dlqs.code).toBe(0);
    const consumers = JSON.parse(dlqs.output) as { consumer: string; dlqDepth: number }[];
    expect(consumers.map((line) => line.consumer)).toEqual(
      expect.arrayContaining(['sms', 'timeline', 'crew']),
    );
    expect(consumers.filter((line) => line.dlqDepth > 0)).toEqual([]);
    expect(empty).toMatchObject({ code: 0, output: expect.stringContaining('DLQ is empty') });
    expect(unknown).toMatchObject({
      code: 1,
      output: expect.stringContaining('No service has a consumer nope'),
    });
  }, 60_000);
});

function heldIn(name: string): number {
  const { messages } = harness.cloud.fauxqs.inspectQueue(name)!;
  return messages.ready.length + messages.delayed.length + messages.inflight.length;
}
