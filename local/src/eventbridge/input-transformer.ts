import { validationError } from './errors.ts';
import { type CompiledJsonPath, compileJsonPath } from './json-path.ts';
import type { EventEnvelope, TargetRecord } from './model.ts';

/**
 * What a target receives: the whole event, a constant `Input`, the part of the event an `InputPath` selects,
 * or an `InputTransformer` template filled from the event.
 *
 * Template filling follows EventBridge:
 * - a placeholder outside any string of a JSON template (`{"id": <id>}`) becomes the value as JSON
 *   (strings quoted, objects as objects); a variable whose path is missing becomes `null`;
 * - a placeholder inside a string (`"id <id>"`), in a JSON template or a string template, gets the raw
 *   text, unescaped (as AWS does: a value containing `"` breaks the JSON there too); an object or array
 *   there loses its quotes; a missing variable is empty;
 * - `<aws.events.event.json>` (the whole event) and `<aws.events.event>` (the event without `detail`) are
 *   inserted as JSON text wherever they appear;
 * - a JSON template's output is minified when it parses.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html
 */

export interface TargetInputContext {
  event: EventEnvelope;
  /** The event serialized once for all targets. */
  eventJson: string;
  ruleArn: string;
  ruleName: string;
  ingestionTime: string;
}

export type TargetInputResult = { ok: true; body: string } | { ok: false; reason: string };

export interface TargetInputRenderer {
  render(context: TargetInputContext): TargetInputResult;
}

const PREDEFINED_VARIABLES = new Set([
  'aws.events.rule-arn',
  'aws.events.rule-name',
  'aws.events.event.ingestion-time',
  'aws.events.event',
  'aws.events.event.json',
]);
const INPUT_PATHS_MAP_KEY = /^[A-Za-z0-9_-]+$/;
const MAX_INPUT_PATHS = 100;
const MAX_INPUT_TEMPLATE_LENGTH = 8192;

type PlaceholderContext = 'json-value' | 'string' | 'text';
type TemplateSegment = { text: string } | { variable: string; context: PlaceholderContext };

/**
 * Checks a target's input settings and prepares them for many events; throws ValidationException for
 * settings PutTargets must refuse.
 */
export function compileTargetInput(target: TargetRecord): TargetInputRenderer {
  const targetId = target.Id;
  const configured = [target.Input, target.InputPath, target.InputTransformer].filter((v) => v !== undefined);
  if (configured.length > 1) {
    throw validationError(
      `Only one of Input, InputPath, or InputTransformer must be provided for target ${targetId}.`,
    );
  }
  if (target.Input !== undefined) return compileConstantInput(target.Input, targetId);
  if (target.InputPath !== undefined) return compileInputPath(target.InputPath, targetId);
  if (target.InputTransformer !== undefined)
    return compileInputTransformer(target.InputTransformer, targetId);
  return { render: renderWholeEvent };
}

function renderWholeEvent(context: TargetInputContext): TargetInputResult {
  return { ok: true, body: context.eventJson };
}

function compileConstantInput(input: string, targetId: string): TargetInputRenderer {
  if (typeof input !== 'string' || !isJsonText(input)) {
    throw validationError(`Input for target ${targetId} is not valid JSON text.`);
  }
  const result: TargetInputResult = { ok: true, body: input };
  return {
    render: function renderConstantInput() {
      return result;
    },
  };
}

function compileInputPath(inputPath: string, targetId: string): TargetInputRenderer {
  const path = typeof inputPath === 'string' ? compileJsonPath(inputPath) : undefined;
  if (path === undefined) {
    throw validationError(`InputPath for target ${targetId} is not a valid JSON path: ${String(inputPath)}.`);
  }
  return {
    render: function renderInputPath(context: TargetInputContext): TargetInputResult {
      const selected = path.select(context.event);
      if (!selected.found)
        return { ok: false, reason: `InputPath ${path.text} selects nothing in the event` };
      return { ok: true, body: JSON.stringify(selected.value) };
    },
  };
}

function compileInputTransformer(
  transformer: NonNullable<TargetRecord['InputTransformer']>,
  targetId: string,
): TargetInputRenderer {
  const template = transformer.InputTemplate;
  if (typeof template !== 'string' || template.length === 0 || template.length > MAX_INPUT_TEMPLATE_LENGTH) {
    throw validationError(
      `InputTemplate for target ${targetId} must be between 1 and ${MAX_INPUT_TEMPLATE_LENGTH} characters.`,
    );
  }
  const paths = compileInputPathsMap(transformer.InputPathsMap ?? {}, targetId);
  const isJsonTemplate = /^\s*[{[]/.test(template);
  const segments = parseTemplate(template, isJsonTemplate);
  for (const segment of segments) {
    if (
      'variable' in segment &&
      !paths.has(segment.variable) &&
      !PREDEFINED_VARIABLES.has(segment.variable)
    ) {
      throw validationError(
        `InputTemplate for target ${targetId} contains invalid placeholder ${segment.variable}.`,
      );
    }
  }
  if (isJsonTemplate) assertTemplateIsJson(segments, targetId);

  return {
    render: function renderInputTransformer(context: TargetInputContext): TargetInputResult {
      const values = new Map<string, { found: boolean; value?: unknown }>();
      for (const [name, path] of paths) values.set(name, path.select(context.event));
      let output = '';
      for (const segment of segments) {
        if ('text' in segment) output += segment.text;
        else output += renderPlaceholder(segment.variable, segment.context, values, context);
      }
      return { ok: true, body: isJsonTemplate ? minifyIfJson(output) : output };
    },
  };
}

function compileInputPathsMap(inputPathsMap: Record<string, string>, targetId: string) {
  const entries = Object.entries(inputPathsMap);
  if (entries.length > MAX_INPUT_PATHS) {
    throw validationError(`InputPathsMap for target ${targetId} has more than ${MAX_INPUT_PATHS} entries.`);
  }
  const paths = new Map<string, CompiledJsonPath>();
  for (const [name, pathText] of entries) {
    if (!INPUT_PATHS_MAP_KEY.test(name) || PREDEFINED_VARIABLES.has(name)) {
      throw validationError(`InputPathsMap for target ${targetId} has an invalid key: ${name}.`);
    }
    const path = typeof pathText === 'string' ? compileJsonPath(pathText) : undefined;
    if (path === undefined) {
      throw validationError(`InputPathsMap for target ${targetId} has an invalid JSON path for ${name}.`);
    }
    paths.set(name, path);
  }
  return paths;
}

/** Splits a template into literal text and placeholders, noting whether each sits inside a JSON string. */
function parseTemplate(template: string, isJsonTemplate: boolean): TemplateSegment[] {
  const segments: TemplateSegment[] = [];
  const placeholder = /<([A-Za-z0-9_.-]+)>/y;
  let literal = '';
  let inString = false;
  let escaped = false;
  let position = 0;
  while (position < template.length) {
    const char = template[position]!;
    if (char === '<') {
      placeholder.lastIndex = position;
      const match = placeholder.exec(template);
      if (match) {
        if (literal) segments.push({ text: literal });
        literal = '';
        const context: PlaceholderContext = inString ? 'string' : isJsonTemplate ? 'json-value' : 'text';
        segments.push({ variable: match[1]!, context });
        position += match[0].length;
        escaped = false;
        continue;
      }
    }
    if (escaped) escaped = false;
    else if (char === '\\' && inString) escaped = true;
    else if (char === '"') inString = !inString;
    literal += char;
    position += 1;
  }
  if (literal) segments.push({ text: literal });
  return segments;
}

/** EventBridge refuses a JSON template that would not be JSON once its placeholders are filled. */
function assertTemplateIsJson(segments: readonly TemplateSegment[], targetId: string): void {
  const sample = segments
    .map((segment) => ('text' in segment ? segment.text : segment.context === 'json-value' ? 'null' : 'x'))
    .join('');
  try {
    JSON.parse(sample);
  } catch (error) {
    throw validationError(`Invalid InputTemplate for target ${targetId} : ${(error as Error).message}`);
  }
}

function renderPlaceholder(
  variable: string,
  context: PlaceholderContext,
  values: ReadonlyMap<string, { found: boolean; value?: unknown }>,
  input: TargetInputContext,
): string {
  switch (variable) {
    case 'aws.events.event.json':
      return input.eventJson;
    case 'aws.events.event': {
      const { detail: _detail, ...eventWithoutDetail } = input.event;
      return JSON.stringify(eventWithoutDetail);
    }
    case 'aws.events.rule-arn':
      return formatValue(input.ruleArn, context);
    case 'aws.events.rule-name':
      return formatValue(input.ruleName, context);
    case 'aws.events.event.ingestion-time':
      return formatValue(input.ingestionTime, context);
  }
  const selected = values.get(variable);
  return selected?.found ? formatValue(selected.value, context) : formatMissing(context);
}

function formatValue(value: unknown, context: PlaceholderContext): string {
  if (context === 'json-value') return JSON.stringify(value) ?? 'null';
  if (typeof value === 'string') return value;
  if (context === 'string' && typeof value === 'object' && value !== null) {
    // An object inside a string would end the string early; EventBridge drops its quotes instead.
    return JSON.stringify(value).replaceAll('"', '');
  }
  return JSON.stringify(value) ?? '';
}

function formatMissing(context: PlaceholderContext): string {
  return context === 'json-value' ? 'null' : '';
}

function minifyIfJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}

function isJsonText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
