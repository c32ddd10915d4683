import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { CalendarFake } from '../../src/fakes/calendar.ts';
import { createCalendarFake } from '../../src/fakes/calendar.ts';

const DASHBOARD_TOKEN = 'calendar-test-token';

describe('Calendar fake', () => {
  let fake: CalendarFake;
  let baseUrl: string;

  function call(method: string, path: string, body?: unknown, token: string = DASHBOARD_TOKEN) {
    return fetch(`${baseUrl}${path}`, {
      method,
      headers: { 'x-dashboard-token': token, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  const entry = {
    title: 'Dump trailer drop-off',
    start: '2025-07-04T15:00:00Z',
    end: '2025-07-04T17:00:00Z',
  };

  beforeAll(async () => {
    fake = createCalendarFake({ dashboardToken: DASHBOARD_TOKEN });
    baseUrl = (await fake.listen()).url;
  });

  afterEach(() => {
    fake.clear();
    fake.clearFaults();
  });

  afterAll(async () => {
    await fake.close();
  });

  it('given the dashboard token, when an entry is put twice, then it is created (201) then replaced (200)', async () => {
    const created = await call('PUT', '/entries/job-1', entry);
    const replaced = await call('PUT', '/entries/job-1', { ...entry, title: 'Moved' });

    expect(created.status).toBe(201);
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toMatchObject({ id: 'job-1', title: 'Moved' });
    expect(fake.entries()).toEqual([expect.objectContaining({ id: 'job-1', title: 'Moved' })]);
  });

  it('given a wrong token, when an entry is put, then it answers 401, stores nothing and masks the token', async () => {
    const response = await call('PUT', '/entries/job-1', entry, 'wrong-token');

    expect(response.status).toBe(401);
    expect(fake.entries()).toEqual([]);
    expect(fake.requests()[0]?.headers['x-dashboard-token']).toBe('***');
    expect(JSON.stringify(fake.requests())).not.toContain('wrong-token');
  });

  it('given an entry, when it is deleted twice, then 204 then 404', async () => {
    await call('PUT', '/entries/job-2', entry);

    expect((await call('DELETE', '/entries/job-2')).status).toBe(204);
    expect((await call('DELETE', '/entries/job-2')).status).toBe(404);
    expect(fake.entries()).toEqual([]);
  });

  it('given a 500 fault for one DELETE, when a delete is retried, then the retry succeeds', async () => {
    await call('PUT', '/entries/job-3', entry);
    fake.injectFaults({ count: 1, status: 500, method: 'DELETE', path: '/entries/job-3' });

    const first = await call('DELETE', '/entries/job-3');
    const retry = await call('DELETE', '/entries/job-3');

    expect(first.status).toBe(500);
    expect(await first.json()).toEqual({ error: 'injected fault', status: 500 });
    expect(retry.status).toBe(204);
    expect(fake.requests().map((request) => [request.method, request.status, request.fault])).toEqual([
      ['PUT', 201, null],
      ['DELETE', 500, 'status:500'],
      ['DELETE', 204, null],
    ]);
  });

  it('given a 400 fault with a custom body, when put, then that body is answered and nothing stored', async () => {
    fake.injectFaults({ count: 1, status: 400, body: { error: 'start must be before end' } });

    const response = await call('PUT', '/entries/job-4', entry);

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'start must be before end' });
    expect(fake.entries()).toEqual([]);
  });

  it('given a timeout-after-accept fault with a delay, when the client waits, then the late answer still reports the write', async () => {
    fake.injectFaults({ count: 1, kind: 'timeout-after-accept', delayMs: 50 });

    const response = await call('PUT', '/entries/job-5', entry);

    expect(response.status).toBe(201);
    expect(fake.requests()[0]).toMatchObject({ status: 201, fault: 'timeout-after-accept' });
  });

  it('given an unsupported method or path, when called, then 405 or 404', async () => {
    expect((await call('POST', '/entries/job-6', entry)).status).toBe(405);
    expect((await call('GET', '/calendars')).status).toBe(404);
  });
});
