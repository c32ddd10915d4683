import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createLocalServer } from '../http-server.ts';
import { constraintMessage, isTimeZone, nameProblem, parseAtExpression } from './expression.ts';

/**
 * The local cloud's Amazon EventBridge Scheduler: the restJson1 API the SDK speaks (schedules and
 * schedule groups), one-time `at(...)` schedules with SQS targets, and a clock tests can move forward.
 *
 * - Durable: every change is written to `<dataDir>/state.json` (atomically) before the call answers, so
 *   an accepted schedule survives a restart, even `kill -9`. The clock's offset is kept too.
 * - Firing: a timer looks for due schedules every second (unref'd); a due schedule's Input is sent to
 *   its queue, then the schedule is deleted (ActionAfterCompletion DELETE) or kept as done (NONE). A
 *   failed send is retried with backoff on the emulator's clock within the target's RetryPolicy, then
 *   goes to the DeadLetterConfig queue if there is one, and is always logged and kept in
 *   `failedInvocations()` (persisted): never dropped silently. A crash between the send and the delete
 *   sends again at the next start (at least once, as Scheduler itself).
 * - Clock: real time plus an offset that `advanceTo`/`advanceBy` grow (never shrink). An advance fires
 *   everything then due, in time order, and answers with what fired.
 * - Past times: the API reference does not say what CreateSchedule does with an `at()` in the past;
 *   the emulator accepts it and runs it at the next tick. Callers should not rely on it
 *   (`@qdn/shared/scheduler` never sends one). It must accept it here anyway: a test that moved the
 *   clock hours ahead still has functions computing times from the real clock.
 *
 * Only what QDN uses is emulated: `at()` schedules (rate/cron are refused with a ValidationException
 * saying so) and SQS targets. Tags are not.
 * @see https://docs.aws.amazon.com/scheduler/latest/APIReference/Welcome.html
 */

export interface SchedulerSqsDeliverer {
  sqs(queueArn: string, body: string, options: { messageGroupId?: string }): Promise<void>;
}

export interface SchedulerEmulatorOptions {
  dataDir: string;
  region: string;
  accountId: string;
  deliver: SchedulerSqsDeliverer;
  /** How often due schedules are looked for, in real milliseconds (default 1000). */
  tickMs?: number;
  /** Retry backoff on the emulator's clock (defaults: 1 s doubling up to 30 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  log?: (line: string) => void;
}

interface StoredTarget {
  Arn: string;
  RoleArn: string;
  Input?: string;
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
  DeadLetterConfig?: { Arn?: string };
  SqsParameters?: { MessageGroupId?: string };
}

interface StoredSchedule {
  Name: string;
  GroupName: string;
  Arn: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  Description?: string;
  State: 'ENABLED' | 'DISABLED';
  ActionAfterCompletion: 'NONE' | 'DELETE';
  FlexibleTimeWindow: { Mode: string; MaximumWindowInMinutes?: number };
  Target: StoredTarget;
  CreationDate: number;
  LastModificationDate: number;
  /** The instant `at()` names, ms. */
  at: number;
  /** Order of creation, to fire schedules of one instant in the order they were made. */
  seq: number;
  attempts: number;
  /** When the next retry is due (emulator clock, ms). */
  retryAt?: number;
  lastError?: string;
  /** Ran, kept because ActionAfterCompletion is NONE. */
  completed?: boolean;
}

interface StoredGroup {
  Name: string;
  Arn: string;
  State: 'ACTIVE';
  CreationDate: number;
  LastModificationDate: number;
}

/** A schedule as the control API and tests see it. */
export interface ScheduleView {
  name: string;
  groupName: string;
  /** ISO instant. */
  at: string;
  /** The target queue's ARN. */
  target: string;
  input: string | undefined;
  state: 'ENABLED' | 'DISABLED';
  attempts: number;
  lastError?: string;
}

export interface FiredSchedule extends ScheduleView {
  outcome: 'delivered' | 'retrying' | 'failed';
}

export interface FailedInvocation {
  name: string;
  groupName: string;
  target: string;
  input: string | undefined;
  attempts: number;
  error: string;
  deadLetter?: { arn: string; sent: boolean; error?: string };
  failedAt: string;
}

interface State {
  offsetMs: number;
  seq: number;
  groups: StoredGroup[];
  schedules: StoredSchedule[];
  failed: FailedInvocation[];
}

export class SchedulerApiError extends Error {
  override name = 'SchedulerApiError';
  readonly code: string;
  readonly statusCode: number;
  constructor(code: string, statusCode: number, message: string) {
    super(message);
    this.code = code;
    this.statusCode = statusCode;
  }
}

const validation = (message: string) => new SchedulerApiError('ValidationException', 400, message);
const notFound = (message: string) => new SchedulerApiError('ResourceNotFoundException', 404, message);
const conflict = (message: string) => new SchedulerApiError('ConflictException', 409, message);

/** Thrown by advanceTo/advanceBy for a move backwards or a bad time (the control API answers 400). */
export class ClockError extends Error {
  override name = 'ClockError';
  readonly status = 400;
}

const DEFAULT_RETRY = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 };
const ROLE_ARN = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const SQS_ARN = /^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9\-_.]+$/;
const MAX_BODY_BYTES = 1024 * 1024;

export interface SchedulerEmulator {
  readonly handle: (request: IncomingMessage, response: ServerResponse) => void;
  listen(port?: number, host?: string): Promise<{ url: string }>;
  close(): Promise<void>;
  /** The emulator's clock: real time plus every advance so far. */
  now(): Date;
  /** Schedules not yet run (due ones included), in the order they will fire. */
  pending(): ScheduleView[];
  /** Moves the clock to `instant` (never back: ClockError) and fires everything due, in time order. */
  advanceTo(instant: Date): Promise<FiredSchedule[]>;
  advanceBy(seconds: number): Promise<FiredSchedule[]>;
  /** Fires what is due now (what the timer does every second). */
  fireDue(): Promise<FiredSchedule[]>;
  /**
   * Fires the waiting schedules `which` picks now, ahead of their time, without moving the clock (a
   * test's shortcut through a short hold that leaves every other schedule's timing as it was).
   */
  fireEarly(which: (schedule: ScheduleView) => boolean): Promise<FiredSchedule[]>;
  /** Invocations that gave up after their retries (persisted). */
  failedInvocations(): FailedInvocation[];
  /** Is a schedule due or being retried (the local cloud's `settled()` waits for it)? */
  busy(): boolean;
  /** Creates a schedule group if it is not there (provisioning of AWS::Scheduler::ScheduleGroup). */
  ensureGroup(name: string): void;
}

export function createSchedulerEmulator(options: SchedulerEmulatorOptions): SchedulerEmulator {
  const { region, accountId, deliver } = options;
  const log = options.log ?? ((line: string) => console.warn(line));
  const retryBaseMs = options.retryBaseMs ?? 1000;
  const retryMaxMs = options.retryMaxMs ?? 30_000;
  mkdirSync(options.dataDir, { recursive: true });
  const file = join(options.dataDir, 'state.json');
  const state = load(file);
  const groups = new Map(state.groups.map((group) => [group.Name, group]));
  const schedules = new Map(state.schedules.map((schedule) => [keyOf(schedule), schedule]));
  const failed = state.failed;
  let offsetMs = state.offsetMs;
  let seq = state.seq;

  const arnOf = (resource: string) => `arn:aws:scheduler:${region}:${accountId}:${resource}`;
  const now = () => Date.now() + offsetMs;

  function persist(): void {
    const snapshot: State = {
      offsetMs,
      seq,
      groups: [...groups.values()],
      schedules: [...schedules.values()],
      failed,
    };
    writeFileSync(`${file}.tmp`, JSON.stringify(snapshot));
    renameSync(`${file}.tmp`, file);
  }

  function ensureGroup(name: string): void {
    if (groups.has(name)) return;
    const problem = nameProblem('name', name);
    if (problem) throw validation(problem);
    const at = Math.floor(Date.now() / 1000);
    groups.set(name, {
      Name: name,
      Arn: arnOf(`schedule-group/${name}`),
      State: 'ACTIVE',
      CreationDate: at,
      LastModificationDate: at,
    });
    persist();
  }
  if (!groups.has('default')) ensureGroup('default');

  // --- the API -------------------------------------------------------------------------------------

  function requireGroup(name: string): StoredGroup {
    const group = groups.get(name);
    if (!group) throw notFound(`Schedule group ${name} does not exist.`);
    return group;
  }

  function groupNameFrom(value: unknown): string {
    const name = value === undefined || value === null || value === '' ? 'default' : value;
    const problem = nameProblem('groupName', name);
    if (problem) throw validation(problem);
    return name as string;
  }

  /** Checks a CreateSchedule/UpdateSchedule body as the API does, and returns the schedule it makes. */
  function scheduleFrom(
    name: string,
    body: Record<string, unknown>,
    existing?: StoredSchedule,
  ): StoredSchedule {
    const nameError = nameProblem('name', name);
    if (nameError) throw validation(nameError);
    const groupName = groupNameFrom(body.GroupName);
    const expression = body.ScheduleExpression;
    if (typeof expression !== 'string')
      throw validation(constraintMessage('scheduleExpression', null, 'Member must not be null'));
    if (expression.length < 1 || expression.length > 256)
      throw validation(
        constraintMessage('scheduleExpression', expression, 'Member must have length between 1 and 256'),
      );
    const timeZone = body.ScheduleExpressionTimezone;
    if (timeZone !== undefined && (typeof timeZone !== 'string' || !isTimeZone(timeZone)))
      throw validation(`Invalid ScheduleExpressionTimezone ${String(timeZone)}.`);
    const window = body.FlexibleTimeWindow as StoredSchedule['FlexibleTimeWindow'] | undefined;
    if (!window || typeof window !== 'object')
      throw validation(constraintMessage('flexibleTimeWindow', null, 'Member must not be null'));
    if (window.Mode !== 'OFF' && window.Mode !== 'FLEXIBLE')
      throw validation(
        constraintMessage(
          'flexibleTimeWindow.mode',
          window.Mode,
          'Member must satisfy enum value set: [OFF, FLEXIBLE]',
        ),
      );
    if (window.Mode === 'FLEXIBLE') {
      const minutes = window.MaximumWindowInMinutes;
      if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 1 || minutes > 1440)
        throw validation('MaximumWindowInMinutes must be between 1 and 1440 when Mode is FLEXIBLE.');
    } else if (window.MaximumWindowInMinutes !== undefined)
      throw validation('MaximumWindowInMinutes is not allowed when Mode is OFF.');
    const target = targetFrom(body.Target);
    const action = body.ActionAfterCompletion ?? 'NONE';
    if (action !== 'NONE' && action !== 'DELETE')
      throw validation(
        constraintMessage(
          'actionAfterCompletion',
          action,
          'Member must satisfy enum value set: [NONE, DELETE]',
        ),
      );
    const scheduleState = body.State ?? 'ENABLED';
    if (scheduleState !== 'ENABLED' && scheduleState !== 'DISABLED')
      throw validation(
        constraintMessage('state', scheduleState, 'Member must satisfy enum value set: [ENABLED, DISABLED]'),
      );
    if (
      body.Description !== undefined &&
      (typeof body.Description !== 'string' || body.Description.length > 512)
    )
      throw validation(
        constraintMessage(
          'description',
          body.Description,
          'Member must have length less than or equal to 512',
        ),
      );
    if (/^(rate|cron)\(/.test(expression))
      throw validation(
        `The local Scheduler emulator runs one-time at() schedules only; ${expression} would be accepted by AWS but never run here.`,
      );
    const at = parseAtExpression(expression, (timeZone as string | undefined) ?? 'UTC');
    if (!at) throw validation(`Invalid Schedule Expression ${expression}.`);
    requireGroup(groupName);
    const stamp = Math.floor(Date.now() / 1000);
    return {
      Name: name,
      GroupName: groupName,
      Arn: arnOf(`schedule/${groupName}/${name}`),
      ScheduleExpression: expression,
      ...(timeZone === undefined ? {} : { ScheduleExpressionTimezone: timeZone as string }),
      ...(body.Description === undefined ? {} : { Description: body.Description as string }),
      State: scheduleState,
      ActionAfterCompletion: action,
      FlexibleTimeWindow: window,
      Target: target,
      CreationDate: existing?.CreationDate ?? stamp,
      LastModificationDate: stamp,
      at: at.getTime(),
      seq: existing?.seq ?? ++seq,
      attempts: 0,
    };
  }

  function targetFrom(value: unknown): StoredTarget {
    if (!value || typeof value !== 'object')
      throw validation(constraintMessage('target', null, 'Member must not be null'));
    const target = value as StoredTarget;
    if (typeof target.Arn !== 'string' || target.Arn.length < 1 || target.Arn.length > 1600)
      throw validation(
        constraintMessage('target.arn', target.Arn ?? null, 'Member must have length between 1 and 1600'),
      );
    if (typeof target.RoleArn !== 'string' || !ROLE_ARN.test(target.RoleArn))
      throw validation(
        constraintMessage(
          'target.roleArn',
          target.RoleArn ?? null,
          `Member must satisfy regular expression pattern: ${ROLE_ARN.source}`,
        ),
      );
    if (
      target.Input !== undefined &&
      (typeof target.Input !== 'string' || target.Input.length < 1 || target.Input.length > 8192)
    )
      throw validation(
        constraintMessage('target.input', target.Input, 'Member must have length between 1 and 8192'),
      );
    const retry = target.RetryPolicy;
    if (
      retry?.MaximumRetryAttempts !== undefined &&
      !(retry.MaximumRetryAttempts >= 0 && retry.MaximumRetryAttempts <= 185)
    )
      throw validation(
        constraintMessage(
          'target.retryPolicy.maximumRetryAttempts',
          retry.MaximumRetryAttempts,
          'Member must have value between 0 and 185',
        ),
      );
    if (
      retry?.MaximumEventAgeInSeconds !== undefined &&
      !(retry.MaximumEventAgeInSeconds >= 60 && retry.MaximumEventAgeInSeconds <= 86_400)
    )
      throw validation(
        constraintMessage(
          'target.retryPolicy.maximumEventAgeInSeconds',
          retry.MaximumEventAgeInSeconds,
          'Member must have value between 60 and 86400',
        ),
      );
    const deadLetter = target.DeadLetterConfig?.Arn;
    if (deadLetter !== undefined && !SQS_ARN.test(deadLetter))
      throw validation(
        constraintMessage(
          'target.deadLetterConfig.arn',
          deadLetter,
          `Member must satisfy regular expression pattern: ${SQS_ARN.source}`,
        ),
      );
    if (!SQS_ARN.test(target.Arn))
      throw validation(
        `The local Scheduler emulator delivers to SQS queues only; ${target.Arn} is not a queue ARN.`,
      );
    return {
      Arn: target.Arn,
      RoleArn: target.RoleArn,
      ...(target.Input === undefined ? {} : { Input: target.Input }),
      ...(retry ? { RetryPolicy: retry } : {}),
      ...(deadLetter ? { DeadLetterConfig: { Arn: deadLetter } } : {}),
      ...(target.SqsParameters ? { SqsParameters: target.SqsParameters } : {}),
    };
  }

  function described(schedule: StoredSchedule) {
    const {
      at: _at,
      seq: _seq,
      attempts: _attempts,
      retryAt: _retryAt,
      lastError: _lastError,
      completed: _completed,
      ...api
    } = schedule;
    return api;
  }

  function requireSchedule(name: string, groupName: string): StoredSchedule {
    const schedule = schedules.get(`${groupName}/${name}`);
    if (!schedule) throw notFound(`Schedule ${name} does not exist.`);
    return schedule;
  }

  const operations = {
    CreateSchedule(name: string, body: Record<string, unknown>) {
      const schedule = scheduleFrom(name, body);
      if (schedules.has(keyOf(schedule))) throw conflict(`Schedule ${name} already exists.`);
      schedules.set(keyOf(schedule), schedule);
      persist();
      return { ScheduleArn: schedule.Arn };
    },
    UpdateSchedule(name: string, body: Record<string, unknown>) {
      const existing = requireSchedule(name, groupNameFrom(body.GroupName));
      const schedule = scheduleFrom(name, body, existing);
      schedules.set(keyOf(schedule), schedule);
      persist();
      return { ScheduleArn: schedule.Arn };
    },
    GetSchedule(name: string, query: URLSearchParams) {
      return described(requireSchedule(name, groupNameFrom(query.get('groupName') ?? undefined)));
    },
    DeleteSchedule(name: string, query: URLSearchParams) {
      const schedule = requireSchedule(name, groupNameFrom(query.get('groupName') ?? undefined));
      schedules.delete(keyOf(schedule));
      persist();
      return {};
    },
    ListSchedules(query: URLSearchParams) {
      const group = query.get('ScheduleGroup');
      const prefix = query.get('NamePrefix') ?? '';
      const wanted = query.get('State');
      const all = [...schedules.values()]
        .filter((schedule) => (group ? schedule.GroupName === group : true))
        .filter((schedule) => schedule.Name.startsWith(prefix) && (!wanted || schedule.State === wanted))
        .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
      const start = Number(query.get('NextToken') ?? 0) || 0;
      const max = Math.min(100, Math.max(1, Number(query.get('MaxResults') ?? 100) || 100));
      const page = all.slice(start, start + max);
      return {
        Schedules: page.map((schedule) => ({
          Arn: schedule.Arn,
          Name: schedule.Name,
          GroupName: schedule.GroupName,
          State: schedule.State,
          CreationDate: schedule.CreationDate,
          LastModificationDate: schedule.LastModificationDate,
          Target: { Arn: schedule.Target.Arn },
        })),
        ...(start + max < all.length ? { NextToken: String(start + max) } : {}),
      };
    },
    CreateScheduleGroup(name: string) {
      const problem = nameProblem('name', name);
      if (problem) throw validation(problem);
      if (groups.has(name)) throw conflict(`Schedule group ${name} already exists.`);
      ensureGroup(name);
      return { ScheduleGroupArn: groups.get(name)!.Arn };
    },
    GetScheduleGroup(name: string) {
      return requireGroup(name);
    },
    DeleteScheduleGroup(name: string) {
      if (name === 'default') throw validation('The default schedule group cannot be deleted.');
      requireGroup(name);
      groups.delete(name);
      for (const [key, schedule] of schedules) if (schedule.GroupName === name) schedules.delete(key);
      persist();
      return {};
    },
    ListScheduleGroups(query: URLSearchParams) {
      const prefix = query.get('NamePrefix') ?? '';
      return { ScheduleGroups: [...groups.values()].filter((group) => group.Name.startsWith(prefix)) };
    },
  };

  function route(method: string, url: URL, body: Record<string, unknown>): unknown {
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const [collection, name, extra] = segments;
    if (extra === undefined && collection === 'schedules') {
      if (name === undefined && method === 'GET') return operations.ListSchedules(url.searchParams);
      if (name !== undefined) {
        if (method === 'POST') return operations.CreateSchedule(name, body);
        if (method === 'PUT') return operations.UpdateSchedule(name, body);
        if (method === 'GET') return operations.GetSchedule(name, url.searchParams);
        if (method === 'DELETE') return operations.DeleteSchedule(name, url.searchParams);
      }
    }
    if (extra === undefined && collection === 'schedule-groups') {
      if (name === undefined && method === 'GET') return operations.ListScheduleGroups(url.searchParams);
      if (name !== undefined) {
        if (method === 'POST') return operations.CreateScheduleGroup(name);
        if (method === 'GET') return operations.GetScheduleGroup(name);
        if (method === 'DELETE') return operations.DeleteScheduleGroup(name);
      }
    }
    throw new SchedulerApiError(
      'UnknownOperationException',
      404,
      `No operation for ${method} ${url.pathname}`,
    );
  }

  let closing = false;
  const handle = function handleSchedulerRequest(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('error', () => response.destroy());
    request.on('end', function answer() {
      try {
        if (closing)
          throw new SchedulerApiError('ServiceUnavailableException', 503, 'The emulator is closed.');
        if (size > MAX_BODY_BYTES) throw validation('Request is too large.');
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = {};
        if (text) {
          try {
            body = JSON.parse(text);
          } catch {
            throw new SchedulerApiError('SerializationException', 400, 'Request body is not valid JSON.');
          }
        }
        if (typeof body !== 'object' || body === null || Array.isArray(body))
          throw new SchedulerApiError('SerializationException', 400, 'Request body must be a JSON object.');
        const url = new URL(request.url ?? '/', 'http://localhost');
        send(response, 200, route(request.method ?? 'GET', url, body as Record<string, unknown>) ?? {});
      } catch (error) {
        if (error instanceof SchedulerApiError) {
          send(response, error.statusCode, { Message: error.message }, error.code);
          return;
        }
        log(`[scheduler] operation failed: ${(error as Error).stack ?? String(error)}`);
        send(response, 500, { Message: 'Unexpected error.' }, 'InternalServerException');
      }
    });
  };

  // --- firing ----------------------------------------------------------------------------------------

  const view = (schedule: StoredSchedule): ScheduleView => ({
    name: schedule.Name,
    groupName: schedule.GroupName,
    at: new Date(schedule.at).toISOString(),
    target: schedule.Target.Arn,
    input: schedule.Target.Input,
    state: schedule.State,
    attempts: schedule.attempts,
    ...(schedule.lastError ? { lastError: schedule.lastError } : {}),
  });

  const waiting = () =>
    [...schedules.values()]
      .filter((schedule) => schedule.State === 'ENABLED' && !schedule.completed)
      .sort((a, b) => (a.retryAt ?? a.at) - (b.retryAt ?? b.at) || a.seq - b.seq);

  const isDue = (schedule: StoredSchedule, instant: number) => (schedule.retryAt ?? schedule.at) <= instant;

  async function fireOne(schedule: StoredSchedule): Promise<FiredSchedule> {
    const body = schedule.Target.Input ?? '{}';
    const groupId = schedule.Target.SqsParameters?.MessageGroupId;
    const options = groupId ? { messageGroupId: groupId } : {};
    schedule.attempts += 1;
    try {
      await deliver.sqs(schedule.Target.Arn, body, options);
    } catch (error) {
      return afterFailure(schedule, describe(error));
    }
    if (schedule.ActionAfterCompletion === 'DELETE') schedules.delete(keyOf(schedule));
    else {
      schedule.completed = true;
      delete schedule.retryAt;
    }
    persist();
    return { ...view(schedule), outcome: 'delivered' };
  }

  async function afterFailure(schedule: StoredSchedule, error: string): Promise<FiredSchedule> {
    const policy = { ...DEFAULT_RETRY, ...schedule.Target.RetryPolicy };
    const retries = schedule.attempts - 1;
    const age = now() - schedule.at;
    schedule.lastError = error;
    if (retries < policy.MaximumRetryAttempts && age < policy.MaximumEventAgeInSeconds * 1000) {
      schedule.retryAt = now() + Math.min(retryMaxMs, retryBaseMs * 2 ** retries);
      persist();
      log(
        `[scheduler] ${schedule.GroupName}/${schedule.Name}: sending to ${schedule.Target.Arn} failed (attempt ${schedule.attempts}), retrying: ${error}`,
      );
      return { ...view(schedule), outcome: 'retrying' };
    }
    const failure: FailedInvocation = {
      name: schedule.Name,
      groupName: schedule.GroupName,
      target: schedule.Target.Arn,
      input: schedule.Target.Input,
      attempts: schedule.attempts,
      error,
      failedAt: new Date(now()).toISOString(),
    };
    const deadLetter = schedule.Target.DeadLetterConfig?.Arn;
    if (deadLetter) {
      try {
        await deliver.sqs(deadLetter, schedule.Target.Input ?? '{}', {});
        failure.deadLetter = { arn: deadLetter, sent: true };
      } catch (dlqError) {
        failure.deadLetter = { arn: deadLetter, sent: false, error: describe(dlqError) };
      }
    }
    failed.push(failure);
    if (schedule.ActionAfterCompletion === 'DELETE') schedules.delete(keyOf(schedule));
    else {
      schedule.completed = true;
      delete schedule.retryAt;
    }
    persist();
    log(
      `[scheduler] ${schedule.GroupName}/${schedule.Name}: gave up sending to ${schedule.Target.Arn} after ${schedule.attempts} attempt(s): ${error}${
        deadLetter
          ? ` (dead-letter ${deadLetter}: ${failure.deadLetter?.sent ? 'sent' : failure.deadLetter?.error})`
          : ''
      }`,
    );
    return { ...view(schedule), outcome: 'failed' };
  }

  // One firing pass at a time: the timer and an advance never send the same schedule twice.
  let chain: Promise<unknown> = Promise.resolve();
  /** Passes queued or running. */
  let passes = 0;
  function serially<T>(work: () => Promise<T>): Promise<T> {
    passes += 1;
    const next = chain.then(work).finally(() => {
      passes -= 1;
    });
    chain = next.catch(() => undefined);
    return next;
  }

  function fireDue(): Promise<FiredSchedule[]> {
    return serially(async function fireWhatIsDue() {
      const fired: FiredSchedule[] = [];
      // Whatever the clock says when this runs (an advance may have moved it while it waited its turn).
      const instant = now();
      for (const schedule of waiting()) {
        if (closing || !isDue(schedule, instant)) break;
        fired.push(await fireOne(schedule));
      }
      return fired;
    });
  }

  function fireEarly(which: (schedule: ScheduleView) => boolean): Promise<FiredSchedule[]> {
    return serially(async function fireChosen() {
      const fired: FiredSchedule[] = [];
      for (const schedule of waiting()) {
        if (closing) break;
        if (which(view(schedule))) fired.push(await fireOne(schedule));
      }
      return fired;
    });
  }

  function advanceTo(instant: Date): Promise<FiredSchedule[]> {
    if (!(instant instanceof Date) || Number.isNaN(instant.getTime()))
      return Promise.reject(new ClockError('advanceTo needs a valid time'));
    const current = now();
    if (instant.getTime() < current)
      return Promise.reject(
        new ClockError(
          `The scheduler's clock only moves forward: it is ${new Date(current).toISOString()}, not going back to ${instant.toISOString()}`,
        ),
      );
    offsetMs += instant.getTime() - current;
    persist();
    return fireDue();
  }

  const timer = setInterval(function tick() {
    // Never queued behind another pass: an advance's own pass then fires (and answers with) what its
    // move made due, instead of a tick that happened to wait behind a slow send.
    if (passes > 0) return;
    fireDue().catch((error: unknown) => log(`[scheduler] firing failed: ${describe(error)}`));
  }, options.tickMs ?? 1000);
  timer.unref();

  let server: Server | undefined;
  return {
    handle,
    listen(port = 0, host = '127.0.0.1') {
      const httpServer = createLocalServer(handle);
      server = httpServer;
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          resolve({ url: `http://${host}:${(httpServer.address() as AddressInfo).port}` });
        });
      });
    },
    async close() {
      if (closing) return;
      closing = true;
      clearInterval(timer);
      if (server) {
        const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
        server.closeAllConnections();
        await closed;
      }
      // A send in flight finishes and is recorded; nothing new starts.
      await chain;
    },
    now: () => new Date(now()),
    pending: () => waiting().map(view),
    advanceTo,
    advanceBy(seconds: number) {
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0)
        return Promise.reject(new ClockError('advanceBy needs a number of seconds, 0 or more'));
      return advanceTo(new Date(now() + seconds * 1000));
    },
    fireDue,
    fireEarly,
    failedInvocations: () => [...failed],
    busy: () => {
      const instant = now();
      return waiting().some((schedule) => isDue(schedule, instant));
    },
    ensureGroup,
  };
}

function keyOf(schedule: { GroupName: string; Name: string }): string {
  return `${schedule.GroupName}/${schedule.Name}`;
}

/**
 * The saved state, or an empty one on a first start. A file that is there but unreadable stops the
 * start: starting empty would drop every accepted schedule without a word. (Writes are atomic renames,
 * so only a hand edit gets here.)
 */
function load(file: string): State {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { offsetMs: 0, seq: 0, groups: [], schedules: [], failed: [] };
    throw error;
  }
  try {
    return JSON.parse(text) as State;
  } catch (error) {
    throw new Error(
      `${file} is not readable JSON (${(error as Error).message}); move it away to start empty`,
    );
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function send(response: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  response.end(text);
}
