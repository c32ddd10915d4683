// Shared machinery for the local cloud's fakes of the outside world (Twilio, SCC, the external calendar):
// a loopback HTTP server that can be closed without leaking sockets or timers, a request log with secrets
// masked, and a queue of injectable faults. Written once so the three fakes fail and record the same way.

import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalServer } from '../http-server.ts';
import { createRecordsFile } from './records-file.ts';

/** Request bodies above this are answered 413: the fakes never need more, and tests should not hang on one. */
export const MAX_BODY_BYTES = 1_048_576;

/** Header names whose values are credentials in at least one of the APIs we fake. */
export const SECRET_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-dashboard-token',
  'x-api-key',
];

/** One request as a fake saw it, with credential headers masked. */
export interface RecordedRequest {
  /** Arrival order within this fake, from 1; survives `clear()` so ids never repeat. */
  seq: number;
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string | string[]>;
  /** Lower-cased names; secrets replaced by `***` (keeping an auth scheme such as `Bearer`). */
  headers: Record<string, string>;
  /** Parsed JSON or form fields when the body was one, the raw text otherwise, null when empty. */
  body: unknown;
  /** The status answered; null while held by a timeout fault, or when never answered (reset, client gone). */
  status: number | null;
  /** Which injected fault shaped the answer, e.g. `status:503`, `timeout`, `reset`; null when none. */
  fault: string | null;
  receivedAt: string;
  answeredAt: string | null;
}

/** Restricts a fault to some requests; both fields optional, both must match when given. */
export interface FaultMatch {
  /** HTTP method, case-insensitive. */
  method?: string;
  /** Path prefix, e.g. `/events` or `/entries/job-1`. */
  path?: string;
}

/** Answer the next `count` matching requests with `status` (and `body`, default `{ error, status }`). */
export interface StatusFault extends FaultMatch {
  count: number;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * Hold the next `count` matching requests without an answer, so the client's own timeout fires.
 * `timeout`: the request is never applied; after `delayMs` (if given) it is answered 504.
 * `timeout-after-accept`: the request IS applied (stored, created, deleted), but the answer is withheld,
 * or sent late after `delayMs` — the case that tempts a client into a duplicate retry.
 * Without `delayMs` the request stays open until the client gives up or the fake closes.
 */
export interface TimeoutFault extends FaultMatch {
  count: number;
  kind: 'timeout' | 'timeout-after-accept';
  delayMs?: number;
}

/** Destroy the socket of the next `count` matching requests (a network error on the client, nothing applied). */
export interface ResetFault extends FaultMatch {
  count: number;
  kind: 'reset';
}

/** The faults the SCC and calendar fakes accept. */
export type HttpFault = StatusFault | TimeoutFault | ResetFault;

/** Cancellable sleeps, so `close()` never leaves a timer keeping the process (or jest) alive. */
export interface Timers {
  /** Resolves true after `ms`, or false at once if the timers are (or get) cleared. */
  sleep(ms: number): Promise<boolean>;
  clearAll(): void;
}

/** Creates a set of cancellable sleeps (one per fake, cleared by its `close()`). */
export function createTimers(): Timers {
  const pending = new Map<NodeJS.Timeout, (fired: boolean) => void>();
  let cleared = false;
  return {
    sleep: function sleep(ms) {
      if (cleared) return Promise.resolve(false);
      return new Promise<boolean>(function schedule(resolve) {
        const handle = setTimeout(function fire() {
          pending.delete(handle);
          resolve(true);
        }, ms);
        pending.set(handle, resolve);
      });
    },
    clearAll: function clearAll() {
      cleared = true;
      for (const [handle, resolve] of pending) {
        clearTimeout(handle);
        resolve(false);
      }
      pending.clear();
    },
  };
}

/** Reads a request body; null when it exceeds `limit` bytes (the rest is drained, not buffered). */
export async function readBody(req: IncomingMessage, limit: number = MAX_BODY_BYTES): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) tooLarge = true;
    if (!tooLarge) chunks.push(buffer);
  }
  return tooLarge ? null : Buffer.concat(chunks);
}

/** Form fields as Twilio's signature algorithm sees them: repeated keys become arrays. */
export function parseForm(text: string): Record<string, string | string[]> {
  return searchParamsToObject(new URLSearchParams(text));
}

function searchParamsToObject(params: URLSearchParams): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const [key, value] of params) {
    const existing = result[key];
    if (existing === undefined) result[key] = value;
    else result[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return result;
}

/** Writes a JSON answer (or none for 204), unless the client already went away. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed || res.writableEnded) return;
  if (status === 204 || body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** Copies headers with credentials masked; an auth scheme (`Basic`, `Bearer`) stays visible. */
export function maskHeaders(
  headers: IncomingHttpHeaders,
  secretNames: readonly string[] = SECRET_HEADERS,
): Record<string, string> {
  const secrets = new Set(secretNames.map((name) => name.toLowerCase()));
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    result[name] = secrets.has(name) ? maskSecret(text) : text;
  }
  return result;
}

function maskSecret(value: string): string {
  const scheme = /^(basic|bearer)\s+/i.exec(value);
  return scheme ? `${scheme[1]} ***` : '***';
}

/** The request log a fake keeps; `requests()` hands out copies so callers cannot rewrite history. */
export interface RequestLog {
  start(req: IncomingMessage, url: URL, body: unknown): RecordedRequest;
  answered(record: RecordedRequest, status: number | null, fault?: string | null): void;
  list(): RecordedRequest[];
  clear(): void;
  /** Puts back what a previous run recorded (its records file); numbering goes on after them. */
  restore(saved: RecordedRequest[]): void;
}

/**
 * Creates a fake's request log, masking `secretHeaders` in every record; `onChange` hears of every
 * new, answered or cleared record (the fake's records file).
 */
export function createRequestLog(
  secretHeaders: readonly string[] = SECRET_HEADERS,
  onChange: () => void = () => undefined,
): RequestLog {
  let records: RecordedRequest[] = [];
  let seq = 0;
  return {
    restore: function restore(saved) {
      records = [...saved];
      seq = Math.max(seq, ...saved.map((record) => record.seq));
    },
    start: function start(req, url, body) {
      seq += 1;
      const record: RecordedRequest = {
        seq,
        method: req.method ?? 'GET',
        path: url.pathname,
        query: searchParamsToObject(url.searchParams),
        headers: maskHeaders(req.headers, secretHeaders),
        body,
        status: null,
        fault: null,
        receivedAt: new Date().toISOString(),
        answeredAt: null,
      };
      records.push(record);
      onChange();
      return record;
    },
    answered: function answered(record, status, fault) {
      record.status = status;
      if (fault !== undefined) record.fault = fault;
      if (status !== null) record.answeredAt = new Date().toISOString();
      onChange();
    },
    list: function list() {
      return structuredClone(records);
    },
    clear: function clear() {
      records = [];
      onChange();
    },
  };
}

/** Faults queued in order; each request consumes one unit of the first fault that matches it. */
export interface FaultQueue<F extends { count: number }> {
  add(faults: readonly F[]): void;
  /** The fault to apply to this request (a copy), or undefined; decrements and drops spent faults. */
  take(request: { method: string; path: string }): F | undefined;
  pending(): F[];
  clear(): void;
}

/** Creates an empty fault queue; `method`/`path` on a fault restrict which requests it applies to. */
export function createFaultQueue<
  F extends { count: number; method?: string; path?: string },
>(): FaultQueue<F> {
  let faults: F[] = [];
  return {
    add: function add(more) {
      faults.push(...more.map((fault) => structuredClone(fault)));
    },
    take: function take(request) {
      const fault = faults.find(function matches(candidate) {
        if (candidate.method && candidate.method.toUpperCase() !== request.method.toUpperCase()) return false;
        return !candidate.path || request.path.startsWith(candidate.path);
      });
      if (!fault) return undefined;
      fault.count -= 1;
      if (fault.count <= 0) faults = faults.filter((candidate) => candidate !== fault);
      return { ...fault, count: 1 };
    },
    pending: function pending() {
      return structuredClone(faults);
    },
    clear: function clear() {
      faults = [];
    },
  };
}

/** Validates one or many fault specs arriving as JSON (from the `/_local` control API or a test). */
export function parseHttpFaults(input: unknown): HttpFault[] {
  return asList(input).map(function parseOne(item, index): HttpFault {
    const spec = asObject(item, `fault[${index}]`);
    const base = { count: positiveInteger(spec.count, `fault[${index}].count`), ...parseMatch(spec, index) };
    if (spec.kind === 'timeout' || spec.kind === 'timeout-after-accept') {
      return spec.delayMs === undefined
        ? { ...base, kind: spec.kind }
        : { ...base, kind: spec.kind, delayMs: nonNegativeInteger(spec.delayMs, `fault[${index}].delayMs`) };
    }
    if (spec.kind === 'reset') return { ...base, kind: 'reset' };
    if (spec.kind !== undefined)
      throw new TypeError(`fault[${index}].kind: unknown kind ${String(spec.kind)}`);
    const status = httpStatus(spec.status, `fault[${index}].status`);
    const fault: StatusFault = { ...base, status };
    if (spec.body !== undefined) fault.body = spec.body;
    if (spec.headers !== undefined) fault.headers = stringRecord(spec.headers, `fault[${index}].headers`);
    return fault;
  });
}

function parseMatch(spec: Record<string, unknown>, index: number): FaultMatch {
  const match: FaultMatch = {};
  if (spec.method !== undefined) match.method = nonEmptyString(spec.method, `fault[${index}].method`);
  if (spec.path !== undefined) match.path = nonEmptyString(spec.path, `fault[${index}].path`);
  return match;
}

/** One spec or an array of them, as a non-empty list (validation helpers below throw TypeError). */
export function asList(input: unknown): unknown[] {
  const list = Array.isArray(input) ? input : [input];
  if (list.length === 0) throw new TypeError('expected at least one fault');
  return list;
}

/** The value as a plain object, or a TypeError naming the field. */
export function asObject(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${name}: expected an object`);
  }
  return value as Record<string, unknown>;
}

/** The value as an integer >= 1, or a TypeError naming the field. */
export function positiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TypeError(`${name}: expected an integer >= 1`);
  }
  return value;
}

/** The value as an integer >= 0, or a TypeError naming the field. */
export function nonNegativeInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new TypeError(`${name}: expected an integer >= 0`);
  }
  return value;
}

function httpStatus(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 400 || value > 599) {
    throw new TypeError(`${name}: expected an HTTP error status 400-599`);
  }
  return value;
}

function nonEmptyString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name}: expected a non-empty string`);
  return value;
}

function stringRecord(value: unknown, name: string): Record<string, string> {
  const record = asObject(value, name);
  for (const [key, item] of Object.entries(record)) {
    if (typeof item !== 'string') throw new TypeError(`${name}.${key}: expected a string`);
  }
  return record as Record<string, string>;
}

/**
 * Keeps a response open (a timeout fault). With `delayMs`, calls `answer` after it unless the client left
 * or the fake closed; without, the response is only ever ended by the client or by `close()`.
 */
export function withhold(
  res: ServerResponse,
  delayMs: number | undefined,
  timers: Timers,
  answer: () => void,
): void {
  if (delayMs === undefined) return;
  void timers.sleep(delayMs).then(function answerLate(fired) {
    if (fired && !res.destroyed) answer();
  });
}

/** A fake's HTTP server on loopback. */
export interface FakeServer {
  /** Listens on 127.0.0.1 (port 0 = any free port); resolves the base URL, e.g. `http://127.0.0.1:4010`. */
  listen(port?: number): Promise<{ url: string; port: number }>;
  /** Stops listening and drops every open connection (including held responses). A closed fake stays closed. */
  close(): Promise<void>;
}

/**
 * Wraps a request handler in a loopback HTTP server whose `close()` also drops kept-alive and held
 * connections, so tests and the local cloud shut down promptly.
 */
export function createFakeServer(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): FakeServer {
  let server: Server | undefined;
  let closed = false;
  return {
    listen: function listen(port = 0) {
      if (closed) return Promise.reject(new Error('fake closed; create a new one'));
      if (server) return Promise.reject(new Error('fake already listening'));
      const created = createLocalServer(function onRequest(req, res) {
        void handle(req, res);
      });
      server = created;
      return new Promise(function start(resolve, reject) {
        created.once('error', reject);
        created.listen(port, '127.0.0.1', function listening() {
          const address = created.address() as AddressInfo;
          resolve({ url: `http://127.0.0.1:${address.port}`, port: address.port });
        });
      });
    },
    close: function close() {
      closed = true;
      const current = server;
      server = undefined;
      if (!current) return Promise.resolve();
      return new Promise(function stop(resolve) {
        current.close(function closed() {
          resolve();
        });
        current.closeAllConnections();
      });
    },
  };
}

/** Answers 500 for a bug in a fake instead of crashing the local cloud. */
export function guard(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async function guarded(req, res) {
    try {
      await handle(req, res);
    } catch (error) {
      console.error('fake failed to handle a request:', error instanceof Error ? error.message : error);
      if (!res.headersSent) sendJson(res, 500, { error: 'fake internal error' });
      else res.destroy();
    }
  };
}

/** What a route of a JSON fake returns. */
export interface JsonResult {
  status: number;
  body?: unknown;
}

/**
 * One route of a JSON fake. `path` should be anchored at the end only, so the fake also works mounted
 * under a prefix; its capture groups arrive percent-decoded as `params`.
 */
export interface JsonRoute {
  method: string;
  path: RegExp;
  run(input: { params: string[]; body: unknown }): JsonResult;
}

/** What distinguishes one JSON fake from another: its auth check, its routes and its state. */
export interface JsonApiFakeOptions {
  isAuthorized(headers: IncomingHttpHeaders): boolean;
  unauthorized: JsonResult;
  routes: readonly JsonRoute[];
  secretHeaders?: readonly string[];
  /** Extra response headers on every answer, e.g. a WWW-Authenticate on 401. */
  unauthorizedHeaders?: Record<string, string>;
  /** Drops the fake's own state on `clear()`. */
  onClear(): void;
  /**
   * Keeps the requests and the fake's own state in this JSON file (in the data dir) across restarts:
   * `save` gives the state to write, `restore` takes it back on creation.
   */
  records?: { file: string; save(): unknown; restore(saved: unknown): void };
}

/** The control surface every JSON fake has (the lead exposes it under `/_local/...`). */
export interface JsonApiFake extends FakeServer {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  requests(): RecordedRequest[];
  /** Forgets recorded requests and stored state; faults stay (see `clearFaults`). */
  clear(): void;
  /** Queues one or many faults (validated: a malformed spec throws TypeError); returns what is pending. */
  injectFaults(faults: HttpFault | readonly HttpFault[] | unknown): HttpFault[];
  clearFaults(): void;
  pendingFaults(): HttpFault[];
}

/** The shared shape of the SCC and calendar fakes: auth, routes, recording, faults. */
export function createJsonApiFake(options: JsonApiFakeOptions): JsonApiFake {
  const recordsFile = createRecordsFile<{ requests: RecordedRequest[]; state: unknown }>(
    options.records?.file,
    () => ({ requests: log.list(), state: options.records?.save() }),
  );
  const log = createRequestLog(options.secretHeaders, () => recordsFile.changed());
  const saved = recordsFile.load();
  if (saved) {
    log.restore(saved.requests ?? []);
    options.records?.restore(saved.state);
  }
  const faults = createFaultQueue<HttpFault>();
  const timers = createTimers();
  let closed = false;

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const raw = await readBody(req);
    const text = raw?.toString('utf8') ?? '';
    const json = parseJson(text);
    const record = log.start(req, url, raw === null ? '<too large>' : json.ok ? json.value : text || null);

    function answer(result: JsonResult, fault: string | null = null, headers: Record<string, string> = {}) {
      if (res.destroyed || res.writableEnded) return;
      sendJson(res, result.status, result.body, headers);
      log.answered(record, result.status, fault);
    }

    if (closed) return answer({ status: 503, body: { error: 'fake closed' } });
    if (raw === null) return answer({ status: 413, body: { error: 'body too large' } });
    if (!options.isAuthorized(req.headers)) {
      return answer(options.unauthorized, null, options.unauthorizedHeaders);
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const matching = options.routes
      .map((route) => ({ route, match: route.path.exec(url.pathname) }))
      .filter((candidate) => candidate.match !== null);
    if (matching.length === 0) return answer({ status: 404, body: { error: 'not found' } });
    const chosen = matching.find((candidate) => candidate.route.method === method);
    if (!chosen) return answer({ status: 405, body: { error: 'method not allowed' } });
    if (!json.ok) return answer({ status: 400, body: { error: 'body is not valid JSON' } });

    function run(): JsonResult {
      const params = chosen!.match!.slice(1).map(decodeSegment);
      return chosen!.route.run({ params, body: json.ok ? json.value : null });
    }

    const fault = faults.take({ method, path: url.pathname });
    if (!fault) return answer(run());
    if ('status' in fault) {
      const body = fault.body ?? { error: 'injected fault', status: fault.status };
      return answer({ status: fault.status, body }, `status:${fault.status}`, fault.headers);
    }
    log.answered(record, null, fault.kind);
    if (fault.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault.kind === 'timeout') {
      return withhold(res, fault.delayMs, timers, function answerGatewayTimeout() {
        answer({ status: 504, body: { error: 'timeout' } }, 'timeout');
      });
    }
    const result = run();
    withhold(res, fault.delayMs, timers, function answerLate() {
      answer(result, 'timeout-after-accept');
    });
  }

  const server = createFakeServer(guard(handleRequest));
  return {
    handle: guard(handleRequest),
    listen: function listen(port) {
      return server.listen(port);
    },
    close: function close() {
      closed = true;
      timers.clearAll();
      recordsFile.flush();
      return server.close();
    },
    requests: function requests() {
      return log.list();
    },
    clear: function clear() {
      log.clear();
      options.onClear();
    },
    injectFaults: function injectFaults(input) {
      faults.add(parseHttpFaults(input));
      return faults.pending();
    },
    clearFaults: function clearFaults() {
      faults.clear();
    },
    pendingFaults: function pendingFaults() {
      return faults.pending();
    },
  };
}

/** Percent-decodes a path segment; a malformed escape stays as sent rather than failing the request. */
export function decodeSegment(segment: string | undefined): string {
  try {
    return decodeURIComponent(segment ?? '');
  } catch {
    return segment ?? '';
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text === '') return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}
