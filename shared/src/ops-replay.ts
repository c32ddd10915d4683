import { randomBytes } from 'node:crypto';
import {
  DescribeReplayCommand,
  DescribeRuleCommand,
  type EventBridgeClient,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { NotFoundError, TooManyRequestsError, ValidationError } from './errors.ts';
import { logger } from './logging.ts';
import { replayWindow } from './ops-review.ts';

export interface ReplayView {
  name: string;
  /** STARTING, RUNNING, COMPLETED, CANCELLING, CANCELLED or FAILED (EventBridge's replay states). */
  state: string;
  stateReason: string | undefined;
  /** The one consumer replayed to, or undefined for every rule on the bus. */
  consumer: string | undefined;
  from: string | undefined;
  to: string | undefined;
  /** How far the replay has got: the time of the last event it sent. */
  lastReplayedAt: string | undefined;
  startedAt: string | undefined;
  endedAt: string | undefined;
  /** Who asked for it (kept by EventBridge in the replay's description: the audit outlives us). */
  description: string | undefined;
}

export interface EventReplaysOptions {
  eventBridge: EventBridgeClient;
  /** `qdn-<stage>`: the bus replays go back to, where every consumer's rule lives. */
  busName: string;
  busArn: string;
  /** The bus's archive (`qdn-<stage>-all`). */
  archiveArn: string;
  retentionDays: number;
  /** Rule names are `qdn-<stage>-<consumer>`; replay names start `qdn-<stage>-` too (IAM scopes on it). */
  namePrefix: string;
  now?: () => Date;
}

const errorName = (error: unknown) => (error as { name?: string } | null)?.name;
const iso = (date: Date | undefined) => date?.toISOString();

/** `arn:…:event-bus/qdn-local` → `arn:…:rule/qdn-local/<rule>` (rules on a custom bus carry its name). */
function ruleArnOf(busArn: string, busName: string, ruleName: string): string {
  return `${busArn.replace(/:event-bus\/.*$/, ':rule/')}${busName === 'default' ? '' : `${busName}/`}${ruleName}`;
}

/** A readable, unique replay name within EventBridge's 64 characters: `qdn-local-calendar-20260102T030405-1a2b`. */
function replayName(prefix: string, consumer: string | undefined, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '');
  const suffix = `-${stamp}-${randomBytes(2).toString('hex')}`;
  return `${prefix}${consumer ?? 'all'}`.slice(0, 64 - suffix.length) + suffix;
}

/**
 * Replays of the bus's archive, for dispatchers: a time window sent again to one consumer's rule (or to
 * every rule). Safe because every consumer is idempotent on domain keys: a replayed event that was
 * handled before changes nothing and texts no one.
 *
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-replay-archived-event.html
 */
export class EventReplays {
  readonly #options: EventReplaysOptions;

  constructor(options: EventReplaysOptions) {
    this.#options = options;
  }

  #consumerOf(ruleArn: string | undefined): string | undefined {
    const ruleName = ruleArn?.split('/').pop();
    return ruleName?.startsWith(this.#options.namePrefix)
      ? ruleName.slice(this.#options.namePrefix.length)
      : ruleName;
  }

  /** The consumer's rule ARN, or the same 404 for any consumer that has no rule on the bus. */
  async #ruleArn(consumer: string): Promise<string> {
    const name = `${this.#options.namePrefix}${consumer}`;
    try {
      const rule = await this.#options.eventBridge.send(
        new DescribeRuleCommand({ Name: name, EventBusName: this.#options.busName }),
      );
      return rule.Arn ?? ruleArnOf(this.#options.busArn, this.#options.busName, name);
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') {
        throw new NotFoundError(`No consumer ${consumer} has a rule on ${this.#options.busName}`);
      }
      throw error;
    }
  }

  /** POST /ops/jobs/replays: starts replaying [from, to) to one consumer's rule, or to all. */
  async start(
    request: { from: string; to: string; consumer?: string | undefined },
    actor: string,
  ): Promise<ReplayView> {
    const now = (this.#options.now ?? (() => new Date()))();
    const window = replayWindow(request, { retentionDays: this.#options.retentionDays, now });
    const filterArns = request.consumer ? [await this.#ruleArn(request.consumer)] : undefined;
    const name = replayName(this.#options.namePrefix, request.consumer, now);
    const description = `Replay to ${request.consumer ?? 'every consumer'} requested by ${actor} through the ops API`;
    try {
      const started = await this.#options.eventBridge.send(
        new StartReplayCommand({
          ReplayName: name,
          Description: description.slice(0, 512),
          EventSourceArn: this.#options.archiveArn,
          EventStartTime: window.from,
          EventEndTime: window.to,
          Destination: { Arn: this.#options.busArn, ...(filterArns ? { FilterArns: filterArns } : {}) },
        }),
      );
      logger.info('Replay started', {
        name,
        actor,
        consumer: request.consumer,
        from: window.from,
        to: window.to,
      });
      return {
        name,
        state: started.State ?? 'STARTING',
        stateReason: started.StateReason,
        consumer: request.consumer,
        from: iso(window.from),
        to: iso(window.to),
        lastReplayedAt: undefined,
        startedAt: iso(started.ReplayStartTime),
        endedAt: undefined,
        description,
      };
    } catch (error) {
      if (errorName(error) === 'ValidationException') {
        throw new ValidationError('EventBridge refused the replay', [
          { field: 'body', message: (error as Error).message },
        ]);
      }
      if (errorName(error) === 'LimitExceededException') {
        throw new TooManyRequestsError('Too many replays are running; try again when one has finished');
      }
      throw error;
    }
  }

  /** GET /ops/jobs/replays/{name}: the replay's state and how far it has got. */
  async describe(name: string): Promise<ReplayView> {
    try {
      const replay = await this.#options.eventBridge.send(new DescribeReplayCommand({ ReplayName: name }));
      return {
        name,
        state: replay.State ?? 'UNKNOWN',
        stateReason: replay.StateReason,
        consumer: this.#consumerOf(replay.Destination?.FilterArns?.[0]),
        from: iso(replay.EventStartTime),
        to: iso(replay.EventEndTime),
        lastReplayedAt: iso(replay.EventLastReplayedTime),
        startedAt: iso(replay.ReplayStartTime),
        endedAt: iso(replay.ReplayEndTime),
        description: replay.Description,
      };
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') throw new NotFoundError(`No replay ${name}`);
      throw error;
    }
  }
}
