import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { SccFake } from '../../src/fakes/scc.ts';
import { createSccFake } from '../../src/fakes/scc.ts';

const SERVICE_KEY = 'scc-test-service-key';

describe('SCC fake', () => {
  let fake: SccFake;
  let baseUrl: string;

  function call(
    method: string,
    path: string,
    body?: unknown,
    init: { key?: string; signal?: AbortSignal } = {},
  ) {
    return fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${init.key ?? SERVICE_KEY}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(init.signal ? { signal: init.signal } : {}),
    });
  }

  const charter = {
    eventName: 'Sunset charter',
    eventDate: '2025-07-04',
    eventTime: '18:30',
    notes: '6 guests',
    crewIds: ['crew-1'],
  };

  beforeAll(async () => {
    fake = createSccFake({ serviceKey: SERVICE_KEY });
    baseUrl = (await fake.listen()).url;
  });

  afterEach(() => {
    fake.clear();
    fake.clearFaults();
  });

  afterAll(async () => {
    await fake.close();
  });

  it('given the service key, when an event is posted, then it answers 201 with an id and stores it', async () => {
    const response = await call('POST', '/events', charter);
    const created = (await response.json()) as Record<string, unknown>;

    expect(response.status).toBe(201);
    expect(created).toMatchObject({ ...charter, id: expect.stringMatching(/^evt_[0-9a-f]{16}$/) });
    expect(fake.events()).toEqual([created]);
  });

  it('given a wrong or missing key, when called, then it answers 401 and records the attempt with the key masked', async () => {
    const wrong = await call('POST', '/events', charter, { key: 'not-the-key' });
    const missing = await fetch(`${baseUrl}/events/evt_1`);

    expect(wrong.status).toBe(401);
    expect(missing.status).toBe(401);
    expect(fake.events()).toEqual([]);
    const [record] = fake.requests();
    expect(record).toMatchObject({ method: 'POST', path: '/events', status: 401, body: charter });
    expect(record?.headers.authorization).toBe('Bearer ***');
    expect(JSON.stringify(fake.requests())).not.toContain('not-the-key');
  });

  it('given an event, when it is fetched, updated and deleted, then each answer follows the store', async () => {
    const { id } = (await (await call('POST', '/events', charter)).json()) as { id: string };

    const fetched = await call('GET', `/events/${id}`);
    const updated = await call('PUT', `/events/${id}`, { eventTime: '19:00' });
    const deleted = await call('DELETE', `/events/${id}`);
    const gone = await call('GET', `/events/${id}`);

    expect(fetched.status).toBe(200);
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ id, eventName: 'Sunset charter', eventTime: '19:00' });
    expect(deleted.status).toBe(204);
    expect(gone.status).toBe(404);
    expect(fake.requests().map((request) => `${request.method} ${request.status}`)).toEqual([
      'POST 201',
      'GET 200',
      'PUT 200',
      'DELETE 204',
      'GET 404',
    ]);
  });

  it('given an unknown id, when it is updated or deleted, then it answers 404', async () => {
    expect((await call('PUT', '/events/evt_missing', { notes: 'x' })).status).toBe(404);
    expect((await call('DELETE', '/events/evt_missing')).status).toBe(404);
  });

  it('given a body that is not a JSON object, when posted, then it answers 400', async () => {
    const notJson = await fetch(`${baseUrl}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SERVICE_KEY}`, 'content-type': 'application/json' },
      body: '{"eventName":',
    });
    const array = await call('POST', '/events', [charter]);

    expect(notJson.status).toBe(400);
    expect(array.status).toBe(400);
    expect(fake.events()).toEqual([]);
  });

  it('given two 503 faults, when three posts follow, then two fail without storing and the third succeeds', async () => {
    fake.injectFaults({ count: 2, status: 503 });

    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await call('POST', '/events', charter)).status);

    expect(statuses).toEqual([503, 503, 201]);
    expect(fake.events()).toHaveLength(1);
    expect(fake.requests().map((request) => request.fault)).toEqual(['status:503', 'status:503', null]);
  });

  it('given a 429 fault limited to PUT, when a POST and a PUT follow, then only the PUT fails', async () => {
    fake.injectFaults([{ count: 1, status: 429, method: 'PUT', headers: { 'retry-after': '1' } }]);

    const created = await call('POST', '/events', charter);
    const { id } = (await created.json()) as { id: string };
    const update = await call('PUT', `/events/${id}`, { notes: 'y' });

    expect(created.status).toBe(201);
    expect(update.status).toBe(429);
    expect(update.headers.get('retry-after')).toBe('1');
  });

  it('given a timeout fault, when the client gives up, then nothing was created', async () => {
    fake.injectFaults({ count: 1, kind: 'timeout' });

    await expect(call('POST', '/events', charter, { signal: AbortSignal.timeout(150) })).rejects.toThrow();

    expect(fake.events()).toEqual([]);
    expect(fake.requests()[0]).toMatchObject({ status: null, fault: 'timeout' });
  });

  it('given a timeout fault with a delay, when the client waits, then it gets 504 and nothing was created', async () => {
    fake.injectFaults({ count: 1, kind: 'timeout', delayMs: 50 });

    const response = await call('POST', '/events', charter);

    expect(response.status).toBe(504);
    expect(fake.events()).toEqual([]);
  });

  it('given a timeout-after-accept fault, when the client gives up, then the event exists anyway', async () => {
    fake.injectFaults({ count: 1, kind: 'timeout-after-accept' });

    await expect(call('POST', '/events', charter, { signal: AbortSignal.timeout(150) })).rejects.toThrow();

    expect(fake.events()).toEqual([expect.objectContaining({ eventName: 'Sunset charter' })]);
  });

  it('given a reset fault, when called, then the client sees a network error', async () => {
    fake.injectFaults({ count: 1, kind: 'reset' });

    await expect(call('GET', '/events/evt_1')).rejects.toThrow();
    expect((await call('GET', '/events/evt_1')).status).toBe(404);
  });

  it('given malformed fault specs, when injected, then they are rejected and nothing is queued', () => {
    expect(() => fake.injectFaults({ count: 1, status: 200 })).toThrow(TypeError);
    expect(() => fake.injectFaults({ count: 1.5, status: 500 })).toThrow(TypeError);
    expect(() => fake.injectFaults([])).toThrow(TypeError);
    expect(fake.pendingFaults()).toEqual([]);
  });

  it('given the fake mounted in-process under a prefix, when handle serves a request, then routes still match', async () => {
    const { createServer } = await import('node:http');
    const host = createServer((req, res) => {
      req.url = req.url?.replace(/^\/_local\/scc/, '') ?? '/';
      void fake.handle(req, res);
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    const { port } = host.address() as { port: number };
    try {
      const response = await fetch(`http://127.0.0.1:${port}/_local/scc/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SERVICE_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(charter),
      });
      expect(response.status).toBe(201);
    } finally {
      host.closeAllConnections();
      await new Promise<void>((resolve) => host.close(() => resolve()));
    }
  });
});
