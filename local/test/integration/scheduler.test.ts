import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  GetScheduleCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cancelSchedule, scheduleNameFor, scheduleOnce } from '@qdn/shared/scheduler';
import { type LocalCloud, startLocalCloud } from '../../src/cloud.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../src/cloudformation.ts';
import { testCloudOptions } from '../../src/test-harness.ts';

// EventBridge Scheduler in the local cloud, through @qdn/shared/scheduler and the SDK: one-time schedules
// to SQS that wait for the emulator's clock, fire once, survive a restart, and refuse what AWS refuses.
const dataDir = mkdtempSync(join(tmpdir(), 'qdn-scheduler-'));
const ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT}:role/qdn-local-scheduler`;
const GROUP = 'default';
let cloud: LocalCloud;
let client: SchedulerClient;

async function start(): Promise<LocalCloud> {
  cloud = await startLocalCloud({ dataDir, port: 0, sitePort: 0, quiet: true, ...testCloudOptions() });
  client = new SchedulerClient({
    endpoint: cloud.endpoints.scheduler,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return cloud;
}

beforeAll(start, 120_000);
afterAll(async () => {
  await cloud?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A queue of the test's own, as a schedule's target. */
function queue(name: string) {
  return cloud.fauxqs.createQueue(`qdn-local-test-scheduler-${name}`, { region: LOCAL_REGION });
}

/** Every message the queue holds now (none are deleted: a duplicate would show as a second body). */
async function bodiesOn(queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await cloud.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
    );
    if (Messages.length === 0) return bodies;
    bodies.push(...Messages.map((message) => message.Body!));
  }
}

const hours = (count: number) => count * 60 * 60 * 1000;

describe('EventBridge Scheduler in the local cloud', () => {
  it('given a time already past, when scheduled through @qdn/shared/scheduler, then it is sent for a minute from now (never at() in the past)', async () => {
    const target = queue('past');
    const before = Date.now();
    const key = 'test:past';
    await expect(
      scheduleOnce({
        key,
        at: new Date(before - hours(1)),
        targetArn: target.queueArn,
        roleArn: ROLE_ARN,
        groupName: GROUP,
        payload: { late: true },
        client,
      }),
    ).resolves.toBe('scheduled');
    const { ScheduleExpression, ScheduleExpressionTimezone, ActionAfterCompletion, FlexibleTimeWindow } =
      await client.send(new GetScheduleCommand({ Name: scheduleNameFor(key), GroupName: GROUP }));
    expect(ScheduleExpressionTimezone).toBe('UTC');
    expect(ActionAfterCompletion).toBe('DELETE');
    expect(FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
    const at = new Date(`${/^at\((.+)\)$/.exec(ScheduleExpression!)![1]}Z`).getTime();
    expect(at).toBeGreaterThanOrEqual(before + 60_000);
    expect(at).toBeLessThan(Date.now() + 62_000);
  });

  it('given two schedules, when a test fires one early, then only that one is delivered and the clock has not moved', async () => {
    const target = queue('fire-early');
    const at = new Date(cloud.scheduler.now().getTime() + hours(1));
    for (const key of ['status-text:job_early_1', 'status-text:job_early_2']) {
      await scheduleOnce({
        key,
        at,
        targetArn: target.queueArn,
        roleArn: ROLE_ARN,
        groupName: GROUP,
        payload: { key },
        client,
      });
    }
    const clockBefore = cloud.scheduler.now().getTime();

    const fired = await cloud.scheduler.fireEarly((schedule) => schedule.name.includes('job_early_1'));

    expect(fired.map((schedule) => [schedule.name, schedule.outcome])).toEqual([
      [scheduleNameFor('status-text:job_early_1'), 'delivered'],
    ]);
    expect((await bodiesOn(target.queueUrl)).map((body) => JSON.parse(body))).toEqual([
      { key: 'status-text:job_early_1' },
    ]);
    expect(cloud.scheduler.now().getTime() - clockBefore).toBeLessThan(5_000);
    expect(cloud.scheduler.pending().map((schedule) => schedule.name)).toContain(
      scheduleNameFor('status-text:job_early_2'),
    );
  });

  it('given a text deferred 2 hours, when the clock moves 1 hour, then nothing is sent; past its time, its payload is on the queue exactly once and the schedule is gone', async () => {
    const target = queue('two-hours');
    const at = new Date(cloud.scheduler.now().getTime() + hours(2));
    const payload = { kind: 'reminder', jobId: 'job_sched_1' };
    expect(
      await scheduleOnce({
        key: 'reminder:job_sched_1',
        at,
        targetArn: target.queueArn,
        roleArn: ROLE_ARN,
        groupName: GROUP,
        payload,
        client,
      }),
    ).toBe('scheduled');
    const name = scheduleNameFor('reminder:job_sched_1');
    expect(cloud.scheduler.pending().map((schedule) => schedule.name)).toContain(name);

    const early = await cloud.scheduler.advanceBy(60 * 60);
    expect(early.map((fired) => fired.name)).not.toContain(name);
    expect(await bodiesOn(target.queueUrl)).toEqual([]);

    const fired = await cloud.scheduler.advanceTo(new Date(at.getTime() + 1000));
    expect(fired.filter((schedule) => schedule.name === name)).toEqual([
      expect.objectContaining({ name, outcome: 'delivered', target: target.queueArn }),
    ]);
    // Whatever else the timer might do, nothing sends it again.
    await cloud.scheduler.fireDue();
    await cloud.settled();
    expect((await bodiesOn(target.queueUrl)).map((body) => JSON.parse(body))).toEqual([payload]);
    expect(cloud.scheduler.pending().map((schedule) => schedule.name)).not.toContain(name);
    await expect(client.send(new GetScheduleCommand({ Name: name, GroupName: GROUP }))).rejects.toMatchObject(
      {
        name: 'ResourceNotFoundException',
      },
    );
  });

  it('given the same key scheduled twice (a replayed event), then the second is already-scheduled and one message arrives', async () => {
    const target = queue('twice');
    const input = {
      key: 'review:job_sched_2',
      at: new Date(cloud.scheduler.now().getTime() + hours(1)),
      targetArn: target.queueArn,
      roleArn: ROLE_ARN,
      groupName: GROUP,
      payload: { kind: 'review', jobId: 'job_sched_2' },
      client,
    };
    expect(await scheduleOnce(input)).toBe('scheduled');
    expect(
      await scheduleOnce({ ...input, payload: { kind: 'review', jobId: 'job_sched_2', again: true } }),
    ).toBe('already-scheduled');
    await cloud.scheduler.advanceBy(2 * 60 * 60);
    expect((await bodiesOn(target.queueUrl)).map((body) => JSON.parse(body))).toEqual([input.payload]);
  });

  it('given a cancelled schedule, then nothing is sent; cancelling again says it was not there', async () => {
    const target = queue('cancel');
    const key = 'reminder:job_sched_3';
    await scheduleOnce({
      key,
      at: new Date(cloud.scheduler.now().getTime() + hours(1)),
      targetArn: target.queueArn,
      roleArn: ROLE_ARN,
      groupName: GROUP,
      payload: { jobId: 'job_sched_3' },
      client,
    });
    expect(await cancelSchedule(key, GROUP, { client })).toBe(true);
    expect(await cancelSchedule(key, GROUP, { client })).toBe(false);
    await cloud.scheduler.advanceBy(2 * 60 * 60);
    expect(await bodiesOn(target.queueUrl)).toEqual([]);
  });

  it('given a target queue that does not exist and no retries, then the invocation is recorded as failed and its input goes to the dead-letter queue', async () => {
    const deadLetter = queue('dlq');
    const name = 'no-such-queue';
    await client.send(
      new CreateScheduleCommand({
        Name: name,
        ScheduleExpression: 'at(2020-01-01T00:00:00)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:qdn-local-test-scheduler-missing`,
          RoleArn: ROLE_ARN,
          Input: '{"lost":false}',
          RetryPolicy: { MaximumRetryAttempts: 0 },
          DeadLetterConfig: { Arn: deadLetter.queueArn },
        },
      }),
    );
    // Due at once: the timer may take it first; after this pass it was handled either way.
    await cloud.scheduler.fireDue();
    expect(cloud.scheduler.failedInvocations()).toEqual([
      expect.objectContaining({ name, attempts: 1, deadLetter: { arn: deadLetter.queueArn, sent: true } }),
    ]);
    expect(await bodiesOn(deadLetter.queueUrl)).toEqual(['{"lost":false}']);
  });

  const valid: CreateScheduleCommandInput = {
    Name: 'valid-name',
    ScheduleExpression: 'at(2030-01-01T00:00:00)',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: { Arn: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:anything`, RoleArn: ROLE_ARN },
  };
  it.each<[string, Partial<CreateScheduleCommandInput>, string, number]>([
    ['a name with a space', { Name: 'bad name' }, 'ValidationException', 400],
    ['a name over 64 characters', { Name: 'x'.repeat(65) }, 'ValidationException', 400],
    [
      'at() with a zone suffix',
      { ScheduleExpression: 'at(2030-01-01T00:00:00Z)' },
      'ValidationException',
      400,
    ],
    [
      'at() of a day that does not exist',
      { ScheduleExpression: 'at(2030-02-30T00:00:00)' },
      'ValidationException',
      400,
    ],
    [
      'a role that is not a role ARN',
      { Target: { ...valid.Target!, RoleArn: 'scheduler' } },
      'ValidationException',
      400,
    ],
    ['a group that does not exist', { GroupName: 'no-such-group' }, 'ResourceNotFoundException', 404],
  ])('refuses %s as AWS does', async (_case, change, errorName, status) => {
    await expect(client.send(new CreateScheduleCommand({ ...valid, ...change }))).rejects.toMatchObject({
      name: errorName,
      $metadata: { httpStatusCode: status },
    });
  });

  it('answers a second CreateSchedule of one name with ConflictException', async () => {
    const input = { ...valid, Name: 'conflict-check', ScheduleExpression: 'at(2099-01-01T00:00:00)' };
    await client.send(new CreateScheduleCommand(input));
    await expect(client.send(new CreateScheduleCommand(input))).rejects.toMatchObject({
      name: 'ConflictException',
      $metadata: { httpStatusCode: 409 },
    });
  });

  it('serves the clock and the schedules on /_local/scheduler, and refuses to move the clock back', async () => {
    const control = `${cloud.apiUrl}/_local/scheduler`;
    const listed = (await (await fetch(control)).json()) as { now: string; schedules: { name: string }[] };
    expect(Date.parse(listed.now)).toBeGreaterThan(Date.now() + hours(4));
    expect(listed.schedules.map((schedule) => schedule.name)).toContain('conflict-check');

    const back = await fetch(control, {
      method: 'POST',
      body: JSON.stringify({ advanceTo: new Date(Date.now() - hours(1)).toISOString() }),
    });
    expect(back.status).toBe(400);
    const neither = await fetch(control, { method: 'POST', body: JSON.stringify({}) });
    expect(neither.status).toBe(400);

    const forward = await fetch(control, { method: 'POST', body: JSON.stringify({ advanceBy: 60 }) });
    expect(forward.status).toBe(200);
    const moved = (await forward.json()) as { now: string; fired: unknown[] };
    expect(Date.parse(moved.now)).toBeGreaterThanOrEqual(Date.parse(listed.now) + 60_000);
    expect(moved.fired).toEqual([]);
  });

  it('given a schedule waiting, when the local cloud restarts on the same data dir, then it is still there, the clock has kept its lead, and it fires', async () => {
    const target = queue('restart');
    const at = new Date(cloud.scheduler.now().getTime() + hours(3));
    await scheduleOnce({
      key: 'reminder:job_sched_4',
      at,
      targetArn: target.queueArn,
      roleArn: ROLE_ARN,
      groupName: GROUP,
      payload: { jobId: 'job_sched_4' },
      client,
    });
    const clockBefore = cloud.scheduler.now().getTime();
    await cloud.stop();

    await start();
    const name = scheduleNameFor('reminder:job_sched_4');
    expect(cloud.scheduler.pending().map((schedule) => schedule.name)).toContain(name);
    expect(cloud.scheduler.now().getTime()).toBeGreaterThanOrEqual(clockBefore);
    const again = queue('restart');
    const fired = await cloud.scheduler.advanceTo(new Date(at.getTime() + 1000));
    expect(fired.map((schedule) => schedule.name)).toContain(name);
    expect((await bodiesOn(again.queueUrl)).map((body) => JSON.parse(body))).toEqual([
      { jobId: 'job_sched_4' },
    ]);
  }, 120_000);
});
