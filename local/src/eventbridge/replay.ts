import { eventBusNameFromNameOrArn } from './arn.ts';
import type { EventRouter } from './bus.ts';
import type { EventEnvelope, ReplayRecord } from './model.ts';
import type { ArchivedEventLine, Registry } from './registry.ts';
import { readLog } from './store.ts';

/**
 * Runs replays: reads an archive's log from where the replay got to, sends the events archived inside the
 * replay's time window back to the destination bus (only to the rules in FilterArns, when given), marked
 * with `replay-name`. Progress is persisted per batch, so a replay interrupted by a restart resumes where
 * it stopped (a batch may be sent twice; replay is at-least-once like everything else).
 *
 * The time window applies to when the bus received each event (kept in the archive with millisecond
 * precision), which is what EventBridge archives by.
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_StartReplay.html
 */

/** How fast replays go: EventBridge trickles them, the local default is as fast as routing allows. */
export interface ReplayPacing {
  /** Events sent back to the bus per batch; progress is saved after each. */
  batchSize: number;
  /** Pause before each batch. */
  batchIntervalMs: number;
}

export const DEFAULT_REPLAY_PACING: ReplayPacing = { batchSize: 100, batchIntervalMs: 0 };

export interface ReplayRunner {
  start(replay: ReplayRecord): void;
  /** Resumes replays a previous process left unfinished. */
  resumeUnfinished(): void;
  close(): void;
}

/**
 * Creates the runner that carries replays from STARTING through RUNNING to COMPLETED (or CANCELLED/FAILED).
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-replay-archived-event.html
 */
export function createReplayRunner(options: {
  registry: Registry;
  router: EventRouter;
  pacing: ReplayPacing;
  now: () => number;
}): ReplayRunner {
  const { registry, router, pacing, now } = options;
  let closed = false;
  const scheduled = new Set<NodeJS.Timeout>();

  /** Runs `step` later (after the batch interval), never inside the request that started the replay. */
  function schedule(step: () => void): void {
    const handle = setTimeout(() => {
      scheduled.delete(handle);
      if (!closed) step();
    }, pacing.batchIntervalMs);
    scheduled.add(handle);
  }

  function finish(replay: ReplayRecord, state: ReplayRecord['state'], reason?: string): void {
    replay.state = state;
    replay.replayEndTime = now();
    if (reason !== undefined) replay.stateReason = reason;
    registry.save();
  }

  function runReplay(replay: ReplayRecord): void {
    if (replay.state === 'CANCELLING') {
      finish(replay, 'CANCELLED');
      return;
    }
    if (replay.state !== 'STARTING' && replay.state !== 'RUNNING') return;
    const archive = registry.archives.get(replay.archiveName);
    const busName = eventBusNameFromNameOrArn(replay.destination.Arn);
    if (!archive) {
      finish(replay, 'FAILED', `Archive ${replay.archiveName} does not exist.`);
      return;
    }
    if (busName === undefined || !registry.eventBuses.has(busName)) {
      finish(replay, 'FAILED', `Event bus ${busName ?? replay.destination.Arn} does not exist.`);
      return;
    }
    if (replay.state === 'STARTING') {
      replay.state = 'RUNNING';
      registry.save();
    }
    const filter = replay.destination.FilterArns?.length ? new Set(replay.destination.FilterArns) : undefined;
    const { lines } = readLog(archive.log.path, replay.cursor);
    let position = 0;

    function replayNextBatch(): void {
      if (replay.state === 'CANCELLING') {
        finish(replay, 'CANCELLED');
        return;
      }
      // Cancelled (or finished) by someone else since the last batch.
      if (replay.state !== 'RUNNING' || busName === undefined) return;
      const batch: EventEnvelope[] = [];
      let lastIndex = -1;
      let lastReplayedTime: number | undefined;
      while (position < lines.length && batch.length < pacing.batchSize) {
        const line = lines[position]!;
        position += 1;
        lastIndex = line.index;
        const archived = line.record as ArchivedEventLine;
        if (archived.archivedAt >= replay.eventStartTime && archived.archivedAt < replay.eventEndTime) {
          batch.push(markReplayed(archived.event as EventEnvelope, replay.name));
          lastReplayedTime = archived.archivedAt;
        }
      }
      try {
        if (batch.length > 0) router.routeReplayedEvents(busName, batch, filter);
      } catch (error) {
        finish(replay, 'FAILED', error instanceof Error ? error.message : String(error));
        return;
      }
      if (lastIndex >= 0) replay.cursor = lastIndex + 1;
      if (lastReplayedTime !== undefined) replay.eventLastReplayedTime = lastReplayedTime;
      if (position >= lines.length) {
        finish(replay, 'COMPLETED');
        return;
      }
      registry.save();
      schedule(replayNextBatch);
    }
    schedule(replayNextBatch);
  }

  return {
    start: function startReplay(replay: ReplayRecord): void {
      schedule(() => runReplay(replay));
    },
    resumeUnfinished: function resumeUnfinishedReplays(): void {
      for (const replay of registry.replays.values()) {
        if (replay.state === 'STARTING' || replay.state === 'RUNNING' || replay.state === 'CANCELLING') {
          schedule(() => runReplay(replay));
        }
      }
    },
    close: function closeReplayRunner(): void {
      closed = true;
      for (const handle of scheduled) clearTimeout(handle);
      scheduled.clear();
    },
  };
}

/** The archived event with `replay-name` added where EventBridge puts it: right after `region`. */
function markReplayed(event: EventEnvelope, replayName: string): EventEnvelope {
  const replayed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === 'replay-name') continue;
    replayed[key] = value;
    if (key === 'region') replayed['replay-name'] = replayName;
  }
  if (!('replay-name' in replayed)) replayed['replay-name'] = replayName;
  return replayed as unknown as EventEnvelope;
}
