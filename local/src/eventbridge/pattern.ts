/**
 * Amazon EventBridge event-pattern matching for the local cloud: the full pattern language (exact values,
 * prefix/suffix, equals-ignore-case, anything-but, numeric, exists, cidr, wildcard, $or) with EventBridge's
 * validation, and event-ruler's array-consistent matching of arrays of objects.
 *
 * Pattern and event may be JSON text or already-parsed values. Text is read by our own reader so that number
 * spellings (`3.018e2`, `300.0`, 20-digit integers) keep their exact value and repeated keys resolve to the last.
 *
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 */

import { compilePatternTree } from './pattern/compile.ts';
import { InvalidEventPatternError } from './pattern/errors.ts';
import { type FlatEvent, flattenEventText, flattenEventValue, type PathIndex } from './pattern/event.ts';
import { fromJsValue, JsonSyntaxError, type JsonValue, parseJson } from './pattern/json.ts';
import { matchesSubRules } from './pattern/match.ts';

export { InvalidEventPatternError } from './pattern/errors.ts';

/**
 * A validated pattern, ready to be matched against many events.
 *
 * @example
 * const rule = compileEventPattern({ source: ['qdn.jobs'] });
 * rule.matches({ source: 'qdn.jobs', detail: {} }); // true
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 */
export interface CompiledEventPattern {
  /**
   * Whether the event matches. The event is a JSON object (text or parsed); JSON text that is not valid JSON
   * throws InvalidEventPatternError, as TestEventPattern answers for a malformed event.
   */
  matches(event: string | object): boolean;
}

/**
 * Parses and validates a pattern once (throws InvalidEventPatternError), for a rule that matches many events.
 *
 * @example
 * const rule = compileEventPattern(
 *   '{"source":["qdn.jobs"],"detail-type":["JobCreated","JobStatusChanged"],"detail":{"data":{"serviceType":["charter"]}}}',
 * );
 * rule.matches({ source: 'qdn.jobs', 'detail-type': 'JobCreated', detail: { data: { serviceType: 'charter' } } }); // true
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 */
export function compileEventPattern(pattern: string | object): CompiledEventPattern {
  const compiled = compilePatternTree(readPattern(pattern));
  return {
    matches: function matches(event: string | object): boolean {
      return matchesSubRules(compiled.subRules, flattenEvent(event, compiled.index));
    },
  };
}

/**
 * One-shot helper; throws InvalidEventPatternError for an invalid pattern.
 *
 * @example
 * matchEventPattern({ detail: { amount: [{ numeric: ['>', 100] }] } }, '{"detail":{"amount":300.0}}'); // true
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 */
export function matchEventPattern(pattern: string | object, event: string | object): boolean {
  return compileEventPattern(pattern).matches(event);
}

function readPattern(pattern: string | object): JsonValue {
  try {
    return typeof pattern === 'string' ? parseJson(pattern) : fromJsValue(pattern);
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      throw new InvalidEventPatternError(error.message);
    }
    throw error;
  }
}

function flattenEvent(event: string | object, index: PathIndex): FlatEvent {
  try {
    return typeof event === 'string' ? flattenEventText(event, index) : flattenEventValue(event, index);
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      throw new InvalidEventPatternError(`Event is not valid JSON: ${error.message}`);
    }
    throw error;
  }
}
