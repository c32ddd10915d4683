import { join } from 'node:path';
import {
  type AwsLocation,
  archiveArn,
  DEFAULT_EVENT_BUS_NAME,
  eventBusArn,
  replayArn,
  ruleArn,
} from './arn.ts';
import { EventBridgeApiError, invalidEventPattern } from './errors.ts';
import { compileTargetInput, type TargetInputRenderer } from './input-transformer.ts';
import type {
  ArchiveRecord,
  ControlPlaneState,
  EventBusRecord,
  ReplayRecord,
  RuleRecord,
  TargetRecord,
} from './model.ts';
import { type CompiledEventPattern, compileEventPattern } from './pattern.ts';
import { type AppendLog, openAppendLog, readJsonFile, removeFile, writeFileAtomic } from './store.ts';

/**
 * The emulator's resources in memory, with what routing needs prepared once per change rather than once
 * per event: compiled patterns per rule and archive, prepared input renderers per target.
 * Every change is written through to `state.json` before the operation answers.
 */

export interface TargetEntry {
  record: TargetRecord;
  input: TargetInputRenderer;
}

export interface RuleEntry {
  record: RuleRecord;
  arn: string;
  /** Undefined for schedule-only rules: they never match events. */
  pattern: CompiledEventPattern | undefined;
  targets: TargetEntry[];
}

export interface EventBusEntry {
  record: EventBusRecord;
  arn: string;
  rules: Map<string, RuleEntry>;
}

export interface ArchiveEntry {
  record: ArchiveRecord;
  arn: string;
  pattern: CompiledEventPattern | undefined;
  eventCount: number;
  sizeBytes: number;
  log: AppendLog;
}

/** One line of an archive's log: the event as delivered, and when the bus received it. */
export interface ArchivedEventLine {
  archivedAt: number;
  size: number;
  event: unknown;
}

export interface Registry {
  readonly location: AwsLocation;
  readonly archivesDir: string;
  readonly eventBuses: Map<string, EventBusEntry>;
  readonly archives: Map<string, ArchiveEntry>;
  readonly replays: Map<string, ReplayRecord>;
  /** Writes the whole control-plane state atomically. */
  save(): void;
  archivesOfBus(busName: string): ArchiveEntry[];
  addEventBus(record: EventBusRecord): EventBusEntry;
  /** Builds (and validates) a rule entry; throws the API error PutRule/PutTargets must answer with. */
  buildRule(record: RuleRecord): RuleEntry;
  openArchive(record: ArchiveRecord): ArchiveEntry;
  appendToArchive(archive: ArchiveEntry, eventJson: string, archivedAt: number): void;
  deleteArchive(archive: ArchiveEntry): void;
  replayArn(name: string): string;
  close(): void;
}

const STATE_FILE = 'state.json';

/**
 * Loads the control-plane state from `dataDir` (creating the default bus on first start) and opens the
 * archive logs.
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_DescribeEventBus.html
 */
export function createRegistry(options: {
  dataDir: string;
  location: AwsLocation;
  now: () => number;
}): Registry {
  const { dataDir, location } = options;
  const statePath = join(dataDir, STATE_FILE);
  const archivesDir = join(dataDir, 'archives');
  const eventBuses = new Map<string, EventBusEntry>();
  const archives = new Map<string, ArchiveEntry>();
  const replays = new Map<string, ReplayRecord>();
  const archivesByBus = new Map<string, ArchiveEntry[]>();

  function indexArchivesByBus(): void {
    archivesByBus.clear();
    for (const archive of archives.values()) {
      const list = archivesByBus.get(archive.record.eventBusName) ?? [];
      list.push(archive);
      archivesByBus.set(archive.record.eventBusName, list);
    }
  }

  const registry: Registry = {
    location,
    archivesDir,
    eventBuses,
    archives,
    replays,
    save: function saveControlPlaneState(): void {
      const state: ControlPlaneState = {
        version: 1,
        eventBuses: [...eventBuses.values()].map((bus) => bus.record),
        rules: [...eventBuses.values()].flatMap((bus) => [...bus.rules.values()].map((rule) => rule.record)),
        archives: [...archives.values()].map((archive) => archive.record),
        replays: [...replays.values()],
      };
      writeFileAtomic(statePath, JSON.stringify(state));
      indexArchivesByBus();
    },
    archivesOfBus: function archivesOfBus(busName: string): ArchiveEntry[] {
      return archivesByBus.get(busName) ?? [];
    },
    addEventBus: function addEventBus(record: EventBusRecord): EventBusEntry {
      const entry: EventBusEntry = { record, arn: eventBusArn(location, record.name), rules: new Map() };
      eventBuses.set(record.name, entry);
      return entry;
    },
    buildRule: function buildRule(record: RuleRecord): RuleEntry {
      return {
        record,
        arn: ruleArn(location, record.eventBusName, record.name),
        pattern: record.eventPattern === undefined ? undefined : compilePattern(record.eventPattern),
        targets: record.targets.map((target) => ({ record: target, input: compileTargetInput(target) })),
      };
    },
    openArchive: function openArchive(record: ArchiveRecord): ArchiveEntry {
      const { log, contents } = openAppendLog(join(archivesDir, record.logFile));
      let sizeBytes = 0;
      for (const line of contents.lines) sizeBytes += (line.record as ArchivedEventLine).size ?? 0;
      return {
        record,
        arn: archiveArn(location, record.name),
        pattern: record.eventPattern === undefined ? undefined : compilePattern(record.eventPattern),
        eventCount: contents.lines.length,
        sizeBytes,
        log,
      };
    },
    appendToArchive: function appendToArchive(archive: ArchiveEntry, eventJson: string, archivedAt: number) {
      const size = Buffer.byteLength(eventJson);
      // Built by hand so the event is serialized once for targets and archives alike.
      archive.log.append(`{"archivedAt":${archivedAt},"size":${size},"event":${eventJson}}`);
      archive.eventCount += 1;
      archive.sizeBytes += size;
    },
    deleteArchive: function deleteArchive(archive: ArchiveEntry): void {
      archives.delete(archive.record.name);
      registry.save();
      // The log goes after the state no longer names it: a crash in between leaves only an orphan file.
      archive.log.close();
      removeFile(archive.log.path);
    },
    replayArn: function replayArnOf(name: string): string {
      return replayArn(location, name);
    },
    close: function closeRegistry(): void {
      for (const archive of archives.values()) archive.log.close();
    },
  };

  loadState(registry, readJsonFile(statePath) as ControlPlaneState | undefined, options.now);
  indexArchivesByBus();
  return registry;
}

function loadState(registry: Registry, state: ControlPlaneState | undefined, now: () => number): void {
  for (const record of state?.eventBuses ?? []) registry.addEventBus(record);
  if (!registry.eventBuses.has(DEFAULT_EVENT_BUS_NAME)) {
    const created = now();
    registry.addEventBus({ name: DEFAULT_EVENT_BUS_NAME, creationTime: created, lastModifiedTime: created });
  }
  for (const record of state?.rules ?? []) {
    const bus = registry.eventBuses.get(record.eventBusName);
    if (!bus) continue;
    try {
      bus.rules.set(record.name, registry.buildRule(record));
    } catch (error) {
      // A rule that was valid when stored but no longer compiles (the matcher changed) must not stop the bus.
      console.warn(`[eventbridge] rule ${record.name} on ${record.eventBusName} disabled: ${String(error)}`);
    }
  }
  for (const record of state?.archives ?? []) {
    try {
      registry.archives.set(record.name, registry.openArchive(record));
    } catch (error) {
      console.warn(`[eventbridge] archive ${record.name} unavailable: ${String(error)}`);
    }
  }
  for (const record of state?.replays ?? []) registry.replays.set(record.name, record);
}

/**
 * Compiles a rule or archive pattern, turning every way it can be wrong into InvalidEventPatternException.
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html
 */
export function compilePattern(pattern: string): CompiledEventPattern {
  try {
    return compileEventPattern(pattern);
  } catch (error) {
    if (error instanceof EventBridgeApiError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw invalidEventPattern(
      message.startsWith('Event pattern is not valid')
        ? message
        : `Event pattern is not valid. Reason: ${message}`,
    );
  }
}
