import { randomUUID } from 'node:crypto';
import {
  archiveNameFromArn,
  DEFAULT_EVENT_BUS_NAME,
  eventBusArn,
  eventBusNameFromNameOrArn,
  isSqsQueueArn,
} from './arn.ts';
import type { EventRouter } from './bus.ts';
import {
  EventBridgeApiError,
  illegalStatus,
  limitExceeded,
  resourceAlreadyExists,
  resourceNotFound,
  validationError,
} from './errors.ts';
import { compileTargetInput } from './input-transformer.ts';
import type { ReplayRecord, RuleRecord, RuleState, TargetRecord } from './model.ts';
import { compilePattern, type EventBusEntry, type Registry, type RuleEntry } from './registry.ts';
import type { ReplayRunner } from './replay.ts';
import {
  checkName,
  EVENT_BUS_NAME_PATTERN,
  epochSeconds,
  type OperationInput,
  optionalNumber,
  optionalString,
  paginate,
  RESOURCE_NAME_PATTERN,
  requireString,
  requireTimestamp,
} from './validation.ts';

/**
 * The EventBridge operations the local cloud uses, each taking and returning the JSON body of the AWS
 * JSON 1.1 protocol. Errors are thrown as EventBridgeApiError with the code EventBridge answers with.
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Operations.html
 */

/** One operation: the request's JSON body in, the response's JSON body out. */
export type Operation = (input: OperationInput) => unknown;

const MAX_TARGETS_PER_RULE = 5;
const MAX_TARGETS_PER_REQUEST = 10;
const RULE_STATES: readonly RuleState[] = [
  'ENABLED',
  'DISABLED',
  'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
];
const SCHEDULE_EXPRESSION = /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/;
// The AWS-validated conformance cases (ids `ls-`) show TestEventPattern accepting events without
// `resources` (and without `detail`), so only these are insisted on.
const REQUIRED_TEST_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'detail-type'];

/**
 * The operation table the protocol handler dispatches `X-Amz-Target: AWSEvents.<Name>` to.
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Operations.html
 */
export function createEventBridgeOperations(context: {
  registry: Registry;
  router: EventRouter;
  replays: ReplayRunner;
  now: () => number;
}): Record<string, Operation> {
  const { registry, router, replays, now } = context;
  const { location } = registry;

  function eventBusFromInput(input: OperationInput, field = 'EventBusName'): EventBusEntry {
    const nameOrArn = optionalString(input, field);
    const name = eventBusNameFromNameOrArn(nameOrArn);
    const bus = name === undefined ? undefined : registry.eventBuses.get(name);
    if (!bus) throw resourceNotFound(`Event bus ${name ?? nameOrArn} does not exist.`);
    return bus;
  }

  function ruleFromInput(input: OperationInput, nameField: string): { bus: EventBusEntry; rule: RuleEntry } {
    const bus = eventBusFromInput(input);
    const name = requireString(input, nameField);
    const rule = bus.rules.get(name);
    if (!rule) throw resourceNotFound(`Rule ${name} does not exist on EventBus ${bus.record.name}.`);
    return { bus, rule };
  }

  function describeRule(rule: RuleEntry) {
    const { record } = rule;
    return {
      Name: record.name,
      Arn: rule.arn,
      EventPattern: record.eventPattern,
      ScheduleExpression: record.scheduleExpression,
      State: record.state,
      Description: record.description,
      RoleArn: record.roleArn,
      EventBusName: record.eventBusName,
    };
  }

  function describeEventBus(bus: EventBusEntry) {
    return {
      Name: bus.record.name,
      Arn: bus.arn,
      Description: bus.record.description,
      KmsKeyIdentifier: bus.record.kmsKeyIdentifier,
      DeadLetterConfig: bus.record.deadLetterConfig,
      LogConfig: bus.record.logConfig,
      CreationTime: epochSeconds(bus.record.creationTime),
      LastModifiedTime: epochSeconds(bus.record.lastModifiedTime),
    };
  }

  function archiveFromInput(input: OperationInput) {
    const name = requireString(input, 'ArchiveName');
    const archive = registry.archives.get(name);
    if (!archive) throw resourceNotFound(`Archive ${name} does not exist.`);
    return archive;
  }

  function replayFromInput(input: OperationInput): ReplayRecord {
    const name = requireString(input, 'ReplayName');
    const replay = registry.replays.get(name);
    if (!replay) throw resourceNotFound(`Replay ${name} does not exist.`);
    return replay;
  }

  function replaySummary(replay: ReplayRecord) {
    return {
      ReplayName: replay.name,
      EventSourceArn: replay.eventSourceArn,
      State: replay.state,
      StateReason: replay.stateReason,
      EventStartTime: epochSeconds(replay.eventStartTime),
      EventEndTime: epochSeconds(replay.eventEndTime),
      EventLastReplayedTime: epochSeconds(replay.eventLastReplayedTime),
      ReplayStartTime: epochSeconds(replay.replayStartTime),
      ReplayEndTime: epochSeconds(replay.replayEndTime),
    };
  }

  function setRuleState(input: OperationInput, state: RuleState): Record<string, never> {
    const { rule } = ruleFromInput(input, 'Name');
    rule.record.state = state;
    registry.save();
    return {};
  }

  const operations: Record<string, Operation> = {
    // ---- Event buses -------------------------------------------------------------------------------

    CreateEventBus: function createEventBus(input) {
      const name = checkName(requireString(input, 'Name'), 'name', EVENT_BUS_NAME_PATTERN, 256);
      if (registry.eventBuses.has(name)) throw resourceAlreadyExists(`Event bus ${name} already exists.`);
      const created = now();
      const bus = registry.addEventBus({
        name,
        description: optionalString(input, 'Description'),
        kmsKeyIdentifier: optionalString(input, 'KmsKeyIdentifier'),
        deadLetterConfig: input.DeadLetterConfig,
        logConfig: input.LogConfig,
        tags: input.Tags,
        creationTime: created,
        lastModifiedTime: created,
      });
      registry.save();
      return {
        EventBusArn: bus.arn,
        Description: bus.record.description,
        KmsKeyIdentifier: bus.record.kmsKeyIdentifier,
        DeadLetterConfig: bus.record.deadLetterConfig,
        LogConfig: bus.record.logConfig,
      };
    },

    DescribeEventBus: function describeEventBusOperation(input) {
      return describeEventBus(eventBusFromInput(input, 'Name'));
    },

    ListEventBuses: function listEventBuses(input) {
      const prefix = optionalString(input, 'NamePrefix') ?? '';
      const buses = [...registry.eventBuses.values()]
        .filter((bus) => bus.record.name.startsWith(prefix))
        .sort((a, b) => a.record.name.localeCompare(b.record.name));
      const { page, nextToken } = paginate(buses, input);
      return { EventBuses: page.map(describeEventBus), NextToken: nextToken };
    },

    DeleteEventBus: function deleteEventBus(input) {
      const name = requireString(input, 'Name');
      if (name === DEFAULT_EVENT_BUS_NAME) throw validationError('Cannot delete event bus default.');
      // Like EventBridge, deleting a bus that is already gone succeeds; its rules go with it.
      if (registry.eventBuses.delete(name)) registry.save();
      return {};
    },

    // ---- Rules ---------------------------------------------------------------------------------------

    PutRule: function putRule(input) {
      const name = checkName(requireString(input, 'Name'), 'name', RESOURCE_NAME_PATTERN, 64);
      const bus = eventBusFromInput(input);
      const eventPattern = optionalString(input, 'EventPattern');
      const scheduleExpression = optionalString(input, 'ScheduleExpression');
      if (eventPattern === undefined && scheduleExpression === undefined) {
        throw validationError('Parameter(s) EventPattern or ScheduleExpression must be specified.');
      }
      if (scheduleExpression !== undefined) {
        if (bus.record.name !== DEFAULT_EVENT_BUS_NAME) {
          throw validationError('ScheduleExpression is supported only on the default event bus.');
        }
        if (!SCHEDULE_EXPRESSION.test(scheduleExpression)) {
          throw validationError('Parameter ScheduleExpression is not valid.');
        }
      }
      const state = (optionalString(input, 'State') ?? 'ENABLED') as RuleState;
      if (!RULE_STATES.includes(state)) {
        throw validationError(
          `1 validation error detected: Value '${state}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [${RULE_STATES.join(', ')}]`,
        );
      }
      const existing = bus.rules.get(name);
      // PutRule replaces a rule's settings (omitted ones are not kept) but keeps its targets.
      const record: RuleRecord = {
        name,
        eventBusName: bus.record.name,
        eventPattern,
        scheduleExpression,
        state,
        description: optionalString(input, 'Description'),
        roleArn: optionalString(input, 'RoleArn'),
        tags: input.Tags ?? existing?.record.tags,
        createdBy: existing?.record.createdBy ?? location.accountId,
        targets: existing?.record.targets ?? [],
      };
      const rule = registry.buildRule(record);
      bus.rules.set(name, rule);
      registry.save();
      return { RuleArn: rule.arn };
    },

    DescribeRule: function describeRuleOperation(input) {
      const { rule } = ruleFromInput(input, 'Name');
      return { ...describeRule(rule), CreatedBy: rule.record.createdBy };
    },

    ListRules: function listRules(input) {
      const bus = eventBusFromInput(input);
      const prefix = optionalString(input, 'NamePrefix') ?? '';
      const rules = [...bus.rules.values()]
        .filter((rule) => rule.record.name.startsWith(prefix))
        .sort((a, b) => a.record.name.localeCompare(b.record.name));
      const { page, nextToken } = paginate(rules, input);
      return { Rules: page.map(describeRule), NextToken: nextToken };
    },

    DeleteRule: function deleteRule(input) {
      const bus = eventBusFromInput(input);
      const name = requireString(input, 'Name');
      const rule = bus.rules.get(name);
      if (!rule) return {};
      if (rule.record.targets.length > 0 && input.Force !== true) {
        throw validationError("Rule can't be deleted since it has targets.");
      }
      bus.rules.delete(name);
      registry.save();
      return {};
    },

    EnableRule: function enableRule(input) {
      return setRuleState(input, 'ENABLED');
    },

    DisableRule: function disableRule(input) {
      return setRuleState(input, 'DISABLED');
    },

    ListRuleNamesByTarget: function listRuleNamesByTarget(input) {
      const bus = eventBusFromInput(input);
      const targetArn = requireString(input, 'TargetArn');
      const names = [...bus.rules.values()]
        .filter((rule) => rule.record.targets.some((target) => target.Arn === targetArn))
        .map((rule) => rule.record.name)
        .sort();
      const { page, nextToken } = paginate(names, input);
      return { RuleNames: page, NextToken: nextToken };
    },

    // ---- Targets -------------------------------------------------------------------------------------

    PutTargets: function putTargets(input) {
      const { bus, rule } = ruleFromInput(input, 'Rule');
      const requested = input.Targets;
      if (!Array.isArray(requested) || requested.length < 1 || requested.length > MAX_TARGETS_PER_REQUEST) {
        throw validationError(
          `1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have length between 1 and ${MAX_TARGETS_PER_REQUEST}`,
        );
      }
      const failedEntries: Array<{ TargetId: string; ErrorCode: string; ErrorMessage: string }> = [];
      const accepted: TargetRecord[] = [];
      requested.forEach((candidate: unknown, index: number) => {
        const target = structuredClone(candidate) as TargetRecord;
        const member = `targets.${index + 1}.member`;
        checkName(requireString(target, 'Id'), `${member}.id`, RESOURCE_NAME_PATTERN, 64);
        const arn = requireString(target, 'Arn');
        if (!isSqsQueueArn(arn)) {
          failedEntries.push({
            TargetId: target.Id,
            ErrorCode: 'ValidationException',
            ErrorMessage: `The local EventBridge emulator delivers only to SQS queues (arn:aws:sqs:...); target ${target.Id} has Arn ${arn}.`,
          });
          return;
        }
        if (arn.endsWith('.fifo') && target.SqsParameters?.MessageGroupId === undefined) {
          throw validationError(`Parameter(s) SqsParameters must be specified for target: ${target.Id}.`);
        }
        compileTargetInput(target);
        accepted.push(target);
      });
      const targets = [...rule.record.targets];
      for (const target of accepted) {
        const existing = targets.findIndex((current) => current.Id === target.Id);
        if (existing === -1) targets.push(target);
        else targets[existing] = target;
      }
      if (targets.length > MAX_TARGETS_PER_RULE) {
        throw limitExceeded('The requested resource exceeds the maximum number allowed.');
      }
      bus.rules.set(rule.record.name, registry.buildRule({ ...rule.record, targets }));
      registry.save();
      return { FailedEntryCount: failedEntries.length, FailedEntries: failedEntries };
    },

    RemoveTargets: function removeTargets(input) {
      const { bus, rule } = ruleFromInput(input, 'Rule');
      const ids = input.Ids;
      if (!Array.isArray(ids) || ids.length < 1 || ids.length > 100) {
        throw validationError(
          "1 validation error detected: Value at 'ids' failed to satisfy constraint: Member must have length between 1 and 100",
        );
      }
      const targets = rule.record.targets.filter((target) => !ids.includes(target.Id));
      bus.rules.set(rule.record.name, registry.buildRule({ ...rule.record, targets }));
      registry.save();
      return { FailedEntryCount: 0, FailedEntries: [] };
    },

    ListTargetsByRule: function listTargetsByRule(input) {
      const { rule } = ruleFromInput(input, 'Rule');
      const { page, nextToken } = paginate(rule.record.targets, input);
      return { Targets: page, NextToken: nextToken };
    },

    // ---- Events --------------------------------------------------------------------------------------

    PutEvents: function putEventsOperation(input) {
      return router.putEvents(input.Entries);
    },

    TestEventPattern: function testEventPattern(input) {
      const pattern = requireString(input, 'EventPattern');
      const eventText = requireString(input, 'Event');
      const missing = missingTestEventFields(eventText);
      if (missing === undefined) throw validationError('Parameter Event is not valid.');
      if (missing.length > 0) {
        throw validationError(`Parameter Event is not valid. Reason: missing ${missing.join(', ')}.`);
      }
      // The text, not the parsed object, so numbers keep the exact spelling the matcher compares by value.
      return { Result: compilePattern(pattern).matches(eventText) };
    },

    // ---- Archives ------------------------------------------------------------------------------------

    CreateArchive: function createArchive(input) {
      const name = checkName(requireString(input, 'ArchiveName'), 'archiveName', RESOURCE_NAME_PATTERN, 48);
      const sourceArn = requireString(input, 'EventSourceArn');
      if (registry.archives.has(name)) throw resourceAlreadyExists(`Archive ${name} already exists.`);
      const busName = sourceArn.startsWith('arn:') ? eventBusNameFromNameOrArn(sourceArn) : undefined;
      if (busName === undefined) throw validationError('Parameter EventSourceArn is not valid.');
      if (!registry.eventBuses.has(busName)) throw resourceNotFound(`Event bus ${busName} does not exist.`);
      const eventPattern = optionalString(input, 'EventPattern');
      if (eventPattern !== undefined) compilePattern(eventPattern);
      const retentionDays = optionalNumber(input, 'RetentionDays') ?? 0;
      if (retentionDays < 0) throw validationError('Parameter RetentionDays is not valid.');
      const archive = registry.openArchive({
        name,
        eventBusName: busName,
        eventSourceArn: eventBusArn(location, busName),
        description: optionalString(input, 'Description'),
        eventPattern,
        retentionDays,
        kmsKeyIdentifier: optionalString(input, 'KmsKeyIdentifier'),
        creationTime: now(),
        logFile: `${name}-${randomUUID()}.ndjson`,
      });
      registry.archives.set(name, archive);
      registry.save();
      return {
        ArchiveArn: archive.arn,
        State: 'ENABLED',
        CreationTime: epochSeconds(archive.record.creationTime),
      };
    },

    DescribeArchive: function describeArchive(input) {
      const archive = archiveFromInput(input);
      const { record } = archive;
      return {
        ArchiveArn: archive.arn,
        ArchiveName: record.name,
        EventSourceArn: record.eventSourceArn,
        Description: record.description,
        EventPattern: record.eventPattern,
        State: 'ENABLED',
        RetentionDays: record.retentionDays,
        SizeBytes: archive.sizeBytes,
        EventCount: archive.eventCount,
        CreationTime: epochSeconds(record.creationTime),
        KmsKeyIdentifier: record.kmsKeyIdentifier,
      };
    },

    ListArchives: function listArchives(input) {
      const prefix = optionalString(input, 'NamePrefix') ?? '';
      const sourceArn = optionalString(input, 'EventSourceArn');
      if (sourceArn !== undefined) eventBusFromInput({ EventBusName: sourceArn });
      const state = optionalString(input, 'State');
      const archives = [...registry.archives.values()]
        .filter((archive) => archive.record.name.startsWith(prefix))
        .filter((archive) => sourceArn === undefined || archive.record.eventSourceArn === sourceArn)
        .filter(() => state === undefined || state === 'ENABLED')
        .sort((a, b) => a.record.name.localeCompare(b.record.name));
      const { page, nextToken } = paginate(archives, input);
      return {
        Archives: page.map((archive) => ({
          ArchiveName: archive.record.name,
          EventSourceArn: archive.record.eventSourceArn,
          State: 'ENABLED',
          RetentionDays: archive.record.retentionDays,
          SizeBytes: archive.sizeBytes,
          EventCount: archive.eventCount,
          CreationTime: epochSeconds(archive.record.creationTime),
        })),
        NextToken: nextToken,
      };
    },

    UpdateArchive: function updateArchive(input) {
      const archive = archiveFromInput(input);
      const eventPattern = optionalString(input, 'EventPattern');
      const pattern = eventPattern === undefined ? undefined : compilePattern(eventPattern);
      const retentionDays = optionalNumber(input, 'RetentionDays');
      if (retentionDays !== undefined && retentionDays < 0) {
        throw validationError('Parameter RetentionDays is not valid.');
      }
      const description = optionalString(input, 'Description');
      if (description !== undefined) archive.record.description = description;
      if (eventPattern !== undefined) {
        archive.record.eventPattern = eventPattern;
        archive.pattern = pattern;
      }
      if (retentionDays !== undefined) archive.record.retentionDays = retentionDays;
      const kmsKeyIdentifier = optionalString(input, 'KmsKeyIdentifier');
      if (kmsKeyIdentifier !== undefined) archive.record.kmsKeyIdentifier = kmsKeyIdentifier;
      registry.save();
      return {
        ArchiveArn: archive.arn,
        State: 'ENABLED',
        CreationTime: epochSeconds(archive.record.creationTime),
      };
    },

    DeleteArchive: function deleteArchive(input) {
      registry.deleteArchive(archiveFromInput(input));
      return {};
    },

    // ---- Replays -------------------------------------------------------------------------------------

    StartReplay: function startReplay(input) {
      const name = checkName(requireString(input, 'ReplayName'), 'replayName', RESOURCE_NAME_PATTERN, 64);
      const sourceArn = requireString(input, 'EventSourceArn');
      const eventStartTime = requireTimestamp(input, 'EventStartTime');
      const eventEndTime = requireTimestamp(input, 'EventEndTime');
      const destination = input.Destination as { Arn?: unknown; FilterArns?: unknown } | undefined;
      if (typeof destination?.Arn !== 'string') {
        throw validationError(
          "1 validation error detected: Value null at 'destination.arn' failed to satisfy constraint: Member must not be null",
        );
      }
      if (registry.replays.has(name)) throw resourceAlreadyExists(`Replay ${name} already exists.`);
      const archiveName = archiveNameFromArn(sourceArn);
      const archive = archiveName === undefined ? undefined : registry.archives.get(archiveName);
      if (!archive) {
        throw validationError(
          `Parameter EventSourceArn is not valid. Reason: Archive ${archiveName ?? sourceArn} does not exist.`,
        );
      }
      if (eventStartTime >= eventEndTime) {
        throw validationError(
          'Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.',
        );
      }
      const bus = eventBusFromInput({ EventBusName: destination.Arn });
      if (bus.record.name !== archive.record.eventBusName) {
        throw validationError(
          'Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.',
        );
      }
      const filterArns = destination.FilterArns;
      if (
        filterArns !== undefined &&
        (!Array.isArray(filterArns) || !filterArns.every((arn) => typeof arn === 'string'))
      ) {
        throw validationError('Parameter Destination.FilterArns is not valid.');
      }
      const ruleArns = new Set([...bus.rules.values()].map((rule) => rule.arn));
      const unknownRule = (filterArns as string[] | undefined)?.find((arn) => !ruleArns.has(arn));
      if (unknownRule !== undefined) {
        throw validationError(
          `Parameter Destination.FilterArns is not valid. Reason: Rule ${unknownRule} does not exist on EventBus ${bus.record.name}.`,
        );
      }
      const replay: ReplayRecord = {
        name,
        description: optionalString(input, 'Description'),
        archiveName: archive.record.name,
        eventSourceArn: archive.arn,
        destination:
          filterArns === undefined ? { Arn: bus.arn } : { Arn: bus.arn, FilterArns: filterArns as string[] },
        eventStartTime,
        eventEndTime,
        state: 'STARTING',
        replayStartTime: now(),
        cursor: 0,
      };
      registry.replays.set(name, replay);
      registry.save();
      replays.start(replay);
      return {
        ReplayArn: registry.replayArn(name),
        State: 'STARTING',
        ReplayStartTime: epochSeconds(replay.replayStartTime),
      };
    },

    DescribeReplay: function describeReplay(input) {
      const replay = replayFromInput(input);
      return {
        ...replaySummary(replay),
        ReplayArn: registry.replayArn(replay.name),
        Description: replay.description,
        Destination: replay.destination,
      };
    },

    ListReplays: function listReplays(input) {
      const prefix = optionalString(input, 'NamePrefix') ?? '';
      const state = optionalString(input, 'State');
      const sourceArn = optionalString(input, 'EventSourceArn');
      const matching = [...registry.replays.values()]
        .filter((replay) => replay.name.startsWith(prefix))
        .filter((replay) => state === undefined || replay.state === state)
        .filter((replay) => sourceArn === undefined || replay.eventSourceArn === sourceArn)
        .sort((a, b) => a.name.localeCompare(b.name));
      const { page, nextToken } = paginate(matching, input);
      return { Replays: page.map(replaySummary), NextToken: nextToken };
    },

    CancelReplay: function cancelReplay(input) {
      const replay = replayFromInput(input);
      if (replay.state !== 'STARTING' && replay.state !== 'RUNNING') {
        throw illegalStatus(`Replay ${replay.name} is not in a valid state for this operation.`);
      }
      replay.state = 'CANCELLING';
      registry.save();
      // A replay between batches notices on its next batch; one not yet started is finished here.
      replays.start(replay);
      return { ReplayArn: registry.replayArn(replay.name), State: 'CANCELLING' };
    },
  };
  return operations;
}

/** Fields TestEventPattern insists on, or undefined when the event is not a JSON object at all. */
function missingTestEventFields(eventText: string): string[] | undefined {
  let event: unknown;
  try {
    event = JSON.parse(eventText);
  } catch {
    return undefined;
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return undefined;
  return REQUIRED_TEST_EVENT_FIELDS.filter((field) => !Object.hasOwn(event, field));
}

/**
 * What EventBridge answers for an `X-Amz-Target` it does not know.
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/CommonErrors.html
 */
export function unknownOperation(target: string): EventBridgeApiError {
  return new EventBridgeApiError('UnknownOperationException', `Unknown operation ${target}`);
}
