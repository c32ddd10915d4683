/**
 * Error thrown for an event pattern that EventBridge would reject.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 */
export class InvalidEventPatternError extends Error {
  override name = 'InvalidEventPatternException';
}

/** A validated event pattern, ready to match many events. */
export interface CompiledEventPattern {
  matches(event: string | object): boolean;
}

/** Parses and validates a pattern once (throws InvalidEventPatternError), for a rule that matches many events. */
export function compileEventPattern(pattern: string | object): CompiledEventPattern {
  const parsed: unknown = typeof pattern === 'string' ? JSON.parse(pattern) : pattern;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidEventPatternError('Event pattern must be a JSON object');
  }
  return {
    matches: function matchesStub(_event: string | object): boolean {
      return false;
    },
  };
}

/** One-shot helper; throws InvalidEventPatternError for an invalid pattern. */
export function matchEventPattern(pattern: string | object, event: string | object): boolean {
  return compileEventPattern(pattern).matches(event);
}
