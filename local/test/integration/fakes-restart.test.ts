import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { type LocalCloud, startLocalCloud } from '../../src/cloud.ts';
import { createCalendarFake } from '../../src/fakes/calendar.ts';
import { createSccFake } from '../../src/fakes/scc.ts';
import { eventually, testCloudOptions } from '../../src/test-harness.ts';

// The fakes of Twilio, SCC and the calendar keep what they recorded in the data dir, like every other
// part of the local cloud: after a restart the SMS outbox still shows the texts the jobs' timelines
// mention, instead of looking like lost messages.
const dataDir = mkdtempSync(join(tmpdir(), 'qdn-fakes-restart-'));
const clouds: LocalCloud[] = [];

afterAll(async () => {
  for (const cloud of clouds) await cloud.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<LocalCloud> {
  const cloud = await startLocalCloud({ dataDir, port: 0, sitePort: 0, quiet: true, ...testCloudOptions() });
  clouds.push(cloud);
  return cloud;
}

describe('the fakes across a restart', () => {
  it('given a job texted its customer, when the local cloud is stopped and started on the same data dir, then the outbox, callbacks and requests are still there and new texts come after them', async () => {
    const first = await start();
    const token = await first.token('dispatcher');
    const phone = '+16195559911';
    const created = await fetch(`${first.apiUrl}/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        customer: { name: 'Mark Soderblom', phone },
        address: { text: '4521 Soderblom Ave, San Diego, CA', lat: 32.83, lng: -117.14 },
        serviceType: 'trailer_pickup_and_dump',
        schedule: { date: '2026-12-01', window: 'afternoon' },
        priceCents: 60000,
        crewIds: [],
      }),
    });
    expect(created.status).toBe(201);
    const { job } = (await created.json()) as { job: { jobId: string } };
    const booked = await eventually(
      () =>
        first.twilio.callbacks().find((attempt) => attempt.messageStatus === 'delivered') &&
        first.twilio.messages().find((message) => message.to === phone),
      { timeoutMs: 60_000, what: 'the booked SMS, delivered' },
    );
    await first.twilio.idle();
    const before = {
      messages: first.twilio.messages(),
      callbacks: first.twilio.callbacks(),
      requests: first.twilio.requests().length,
    };
    await first.stop();

    const second = await start();
    expect(second.twilio.messages()).toEqual(before.messages);
    expect(second.twilio.callbacks()).toEqual(before.callbacks);
    expect(second.twilio.requests()).toHaveLength(before.requests);
    // The control API (what `npm run outbox` reads) shows the same.
    const outbox = (await (await fetch(`${second.apiUrl}/_local/twilio/messages`)).json()) as unknown;
    expect(JSON.stringify(outbox)).toContain(booked.sid);

    // A new text goes after the old ones, not over them.
    const secondToken = await second.token('dispatcher');
    const moved = await fetch(`${second.apiUrl}/jobs/${job.jobId}/status`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secondToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'en_route', etaMinutes: 15 }),
    });
    expect(moved.status).toBe(200);
    const texts = await eventually(
      () => {
        const mine = second.twilio.messages().filter((message) => message.to === phone);
        return mine.length === 2 && mine;
      },
      { timeoutMs: 60_000, what: 'the on-the-way SMS after the restart' },
    );
    expect(texts[0]!.sid).toBe(booked.sid);
    expect(texts[1]!.sid).not.toBe(booked.sid);
  }, 180_000);

  it('given SCC events and calendar entries recorded with a records file, when the fakes are made again on it, then events, entries and requests are back', async () => {
    const sccFile = join(dataDir, 'fakes-only', 'scc.json');
    const calendarFile = join(dataDir, 'fakes-only', 'calendar.json');
    const scc = createSccFake({ serviceKey: 'scc-key', recordsFile: sccFile });
    const calendar = createCalendarFake({ dashboardToken: 'cal-token', recordsFile: calendarFile });
    const [{ url: sccUrl }, { url: calendarUrl }] = await Promise.all([scc.listen(0), calendar.listen(0)]);
    const posted = await fetch(`${sccUrl}/events`, {
      method: 'POST',
      headers: { authorization: 'Bearer scc-key', 'content-type': 'application/json' },
      body: JSON.stringify({ eventName: 'Sunset sail', eventDate: '2026-12-05' }),
    });
    expect(posted.status).toBe(201);
    const put = await fetch(`${calendarUrl}/entries/job-1`, {
      method: 'PUT',
      headers: { 'x-dashboard-token': 'cal-token', 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Dump trailer' }),
    });
    expect(put.status).toBe(201);
    const before = {
      events: scc.events(),
      entries: calendar.entries(),
      sccRequests: scc.requests(),
      calendarRequests: calendar.requests(),
    };
    await Promise.all([scc.close(), calendar.close()]);

    const sccAgain = createSccFake({ serviceKey: 'scc-key', recordsFile: sccFile });
    const calendarAgain = createCalendarFake({ dashboardToken: 'cal-token', recordsFile: calendarFile });
    expect(sccAgain.events()).toEqual(before.events);
    expect(calendarAgain.entries()).toEqual(before.entries);
    expect(sccAgain.requests()).toEqual(before.sccRequests);
    expect(calendarAgain.requests()).toEqual(before.calendarRequests);
    const [{ url: sccUrlAgain }] = await Promise.all([sccAgain.listen(0), calendarAgain.listen(0)]);
    const read = await fetch(`${sccUrlAgain}/events/${before.events[0]!.id}`, {
      headers: { authorization: 'Bearer scc-key' },
    });
    expect(read.status).toBe(200);
    expect(sccAgain.requests().at(-1)!.seq).toBe(before.sccRequests.at(-1)!.seq + 1);
    await Promise.all([sccAgain.close(), calendarAgain.close()]);
  });
});
