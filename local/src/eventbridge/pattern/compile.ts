/**
 * Validates an event pattern and compiles it into sub-rules (one per combination of `$or` branches), with the
 * acceptance rules of event-ruler's JsonRuleCompiler plus the wildcard complexity limit EventBridge adds.
 */

import { InvalidEventPatternError } from './errors.ts';
import {
  buildPathIndex,
  KIND_FALSE,
  KIND_NULL,
  KIND_NUMBER,
  KIND_STRING,
  KIND_TRUE,
  type Leaf,
  type PathIndex,
} from './event.ts';
import { ipEquals, ipInRange, parseCidr, parseIpAddress } from './ip.ts';
import { JsonNumber, JsonObject, type JsonValue } from './json.ts';
import { parseDecimal, SCALED_MAX, SCALED_MIN } from './numbers.ts';
import {
  type FoldedText,
  foldedEndsWith,
  foldedEquals,
  foldedStartsWith,
  foldText,
  parseWildcard,
  type Wildcard,
  wildcardComplexity,
  wildcardMatches,
} from './strings.ts';

type ValueTest = (leaf: Leaf) => boolean;

/** One field of a sub-rule: a leaf path and what its values must satisfy. */
export interface CompiledField {
  readonly path: string;
  readonly slot: number;
  /** Whether one leaf value satisfies the field; null when only `exists: false` was given. */
  readonly test: ValueTest | null;
  /** `{"exists": false}` is among the field's alternatives. */
  readonly allowsAbsent: boolean;
}

/** All fields must hold (fields are in path order, the order event-ruler evaluates them in). */
export interface CompiledSubRule {
  readonly fields: readonly CompiledField[];
}

export interface CompiledPatternTree {
  readonly index: PathIndex;
  readonly subRules: readonly CompiledSubRule[];
}

/** Above this, EventBridge answers "Rule is too complex" (measured as in {@link wildcardComplexity}). */
const MAX_WILDCARD_COMPLEXITY = 10;

/**
 * Our own guard, not an AWS number: `$or` multiplies sub-rules, and a pattern with thousands of combinations would
 * make every match slow. Far above what a hand-written rule reaches.
 */
const MAX_SUB_RULES = 1000;

// event-ruler refuses these as field names inside `$or`, so that a misplaced operator is not read as a field.
const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  'html',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

interface FieldDraft {
  readonly tests: readonly ValueTest[];
  readonly exactStrings: ReadonlySet<string>;
  readonly allowsAbsent: boolean;
  /** Wildcard patterns of the field, one entry per pattern (an anything-but list is one pattern). */
  readonly wildcards: readonly (readonly Wildcard[])[];
}

type RuleDraft = Map<string, FieldDraft>;

// Messages are the bare reason (event-ruler's wording): the API layer adds AWS's "Event pattern is not valid." lead.
function invalid(reason: string): never {
  throw new InvalidEventPatternError(reason);
}

/** Compiles a parsed pattern; throws InvalidEventPatternError where EventBridge would reject it. */
export function compilePatternTree(root: JsonValue): CompiledPatternTree {
  if (!(root instanceof JsonObject)) {
    invalid('Filter is not an object');
  }
  const rules: RuleDraft[] = [];
  parseObject(rules, '', root, false);
  checkComplexity(rules);

  const paths = new Set<string>();
  for (const rule of rules) {
    for (const path of rule.keys()) {
      paths.add(path);
    }
  }
  const index = buildPathIndex([...paths]);
  const subRules = rules.map(function compileSubRule(rule): CompiledSubRule {
    const fields = [...rule.entries()]
      .sort(function byPath([left], [right]) {
        return left < right ? -1 : left > right ? 1 : 0;
      })
      .map(function compileField([path, draft]): CompiledField {
        return {
          path,
          slot: index.slots.get(path) ?? -1,
          test: combineTests(draft),
          allowsAbsent: draft.allowsAbsent,
        };
      });
    return { fields };
  });
  return { index, subRules };
}

function joinPath(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}.${key}`;
}

function parseObject(rules: RuleDraft[], path: string, object: JsonObject, insideOr: boolean): void {
  if (object.size === 0) {
    invalid('Empty objects are not allowed');
  }
  for (const [key, value] of object) {
    if (key === '$or') {
      parseOr(rules, path, value);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key)) {
      invalid(`${key} is Ruler reserved fieldName which cannot be used inside $or.`);
    }
    if (value instanceof JsonObject) {
      parseObject(rules, joinPath(path, key), value, insideOr);
    } else if (Array.isArray(value)) {
      const field = parseField(value);
      if (rules.length === 0) {
        rules.push(new Map());
      }
      for (const rule of rules) {
        // A later occurrence of the same path (e.g. "a.b" and {"a": {"b": ...}}) replaces the earlier one.
        rule.set(joinPath(path, key), field);
      }
    } else {
      invalid(`"${key}" must be an object or an array`);
    }
  }
}

function parseOr(rules: RuleDraft[], path: string, value: JsonValue): void {
  if (!Array.isArray(value)) {
    invalid('It must be an Array followed with $or.');
  }
  const before = rules.map(copyRule);
  rules.length = 0;
  for (const branch of value) {
    if (!(branch instanceof JsonObject)) {
      invalid('Only JSON object is allowed in array of $or relationship.');
    }
    const branchRules = before.length === 0 ? [new Map<string, FieldDraft>()] : before.map(copyRule);
    parseObject(branchRules, path, branch, true);
    rules.push(...branchRules);
    if (rules.length > MAX_SUB_RULES) {
      invalid(`The $or combinations expand to more than ${MAX_SUB_RULES} sub-patterns.`);
    }
  }
  if (value.length < 2) {
    invalid('There must have at least 2 Objects in $or relationship.');
  }
}

function copyRule(rule: RuleDraft): RuleDraft {
  return new Map(rule);
}

class FieldBuilder {
  readonly tests: ValueTest[] = [];
  readonly exactStrings = new Set<string>();
  readonly wildcards: Wildcard[][] = [];
  allowsAbsent = false;
}

function parseField(values: readonly JsonValue[]): FieldDraft {
  if (values.length === 0) {
    invalid('Empty arrays are not allowed');
  }
  const builder = new FieldBuilder();
  for (const value of values) {
    if (value instanceof JsonObject) {
      parseMatchExpression(builder, value);
    } else if (typeof value === 'string') {
      const address = parseIpAddress(value);
      if (address === undefined) {
        builder.exactStrings.add(value);
      } else {
        // event-ruler turns an IP literal into an address match, so other spellings of it match too.
        builder.tests.push(function matchesAddress(leaf) {
          const ip = leaf.ip();
          return ip !== undefined && ipEquals(ip, address);
        });
      }
    } else if (value instanceof JsonNumber) {
      const key = parseDecimal(value.text)?.key;
      builder.tests.push(function matchesNumber(leaf) {
        return leaf.kind === KIND_NUMBER && leaf.decimal()?.key === key;
      });
    } else if (value === null) {
      builder.tests.push(isNullLeaf);
    } else if (value === true) {
      builder.tests.push(isTrueLeaf);
    } else if (value === false) {
      builder.tests.push(isFalseLeaf);
    } else {
      invalid('Match value must be String, number, true, false, or null');
    }
  }
  return builder;
}

function isNullLeaf(leaf: Leaf): boolean {
  return leaf.kind === KIND_NULL;
}

function isTrueLeaf(leaf: Leaf): boolean {
  return leaf.kind === KIND_TRUE;
}

function isFalseLeaf(leaf: Leaf): boolean {
  return leaf.kind === KIND_FALSE;
}

function anyLeaf(): boolean {
  return true;
}

/** The single operator of a `{ "op": value }` object. */
function soleMember(object: JsonObject, missing: string): [string, JsonValue] {
  const first = object.entries().next();
  if (first.done === true) {
    invalid(missing);
  }
  if (object.size > 1 || object.duplicateKeys) {
    invalid('Only one key allowed in match expression');
  }
  return first.value;
}

function parseMatchExpression(builder: FieldBuilder, expression: JsonObject): void {
  const [operator, operand] = soleMember(expression, 'Match expression name not found');
  switch (operator) {
    case 'prefix':
    case 'suffix':
      builder.tests.push(parseAffix(operator, operand));
      return;
    case 'equals-ignore-case': {
      if (typeof operand !== 'string') {
        invalid('equals-ignore-case match pattern must be a string');
      }
      const folded = foldText(operand);
      builder.tests.push(function equalsIgnoringCase(leaf) {
        return leaf.kind === KIND_STRING && foldedEquals(leaf.text, folded);
      });
      return;
    }
    case 'wildcard': {
      if (typeof operand !== 'string') {
        invalid('wildcard match pattern must be a string');
      }
      const wildcard = wildcardOrInvalid(operand);
      builder.wildcards.push([wildcard]);
      builder.tests.push(function matchesWildcard(leaf) {
        return leaf.kind === KIND_STRING && wildcardMatches(wildcard, leaf.text);
      });
      return;
    }
    case 'numeric':
      if (!Array.isArray(operand)) {
        invalid('Value of numeric must be an array.');
      }
      builder.tests.push(parseNumeric(operand));
      return;
    case 'anything-but':
      builder.tests.push(parseAnythingBut(builder, operand));
      return;
    case 'exists':
      if (operand === true) {
        builder.tests.push(anyLeaf);
      } else if (operand === false) {
        builder.allowsAbsent = true;
      } else {
        invalid('exists match pattern must be either true or false.');
      }
      return;
    case 'cidr': {
      if (typeof operand !== 'string') {
        invalid('cidr match pattern must be a string');
      }
      const range = parseCidr(operand);
      if (typeof range === 'string') {
        invalid(range);
      }
      builder.tests.push(function inCidr(leaf) {
        const ip = leaf.ip();
        return ip !== undefined && ipInRange(ip, range);
      });
      return;
    }
    default:
      invalid(`Unrecognized match type ${operator}`);
  }
}

function parseAffix(operator: 'prefix' | 'suffix', operand: JsonValue): ValueTest {
  if (operand instanceof JsonObject) {
    const [option, text] = soleMember(operand, `${capitalise(operator)} expression name not found`);
    if (option !== 'equals-ignore-case') {
      invalid(`Unsupported ${operator} pattern: ${option}`);
    }
    if (typeof text !== 'string') {
      invalid('equals-ignore-case match pattern must be a string');
    }
    const folded = foldText(text);
    return operator === 'prefix'
      ? function startsWithIgnoringCase(leaf) {
          return leaf.kind === KIND_STRING && foldedStartsWith(leaf.text, folded);
        }
      : function endsWithIgnoringCase(leaf) {
          return leaf.kind === KIND_STRING && foldedEndsWith(leaf.text, folded);
        };
  }
  if (typeof operand !== 'string') {
    invalid(`${operator} match pattern must be a string`);
  }
  return operator === 'prefix'
    ? function startsWith(leaf) {
        return leaf.kind === KIND_STRING && leaf.text.startsWith(operand);
      }
    : function endsWith(leaf) {
        return leaf.kind === KIND_STRING && leaf.text.endsWith(operand);
      };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function wildcardOrInvalid(text: string): Wildcard {
  const wildcard = parseWildcard(text);
  if (typeof wildcard === 'string') {
    invalid(wildcard);
  }
  return wildcard;
}

/** A number usable in numeric comparisons, as its value × 10^6. */
function comparableOperand(value: JsonValue | undefined, operator: string): number {
  if (!(value instanceof JsonNumber)) {
    invalid(`Value of ${operator} must be numeric`);
  }
  const scaled = parseDecimal(value.text)?.scaled ?? Number.NaN;
  if (Number.isNaN(scaled)) {
    invalid(`Value ${value.text} must be between -5.0E9 and 5.0E9, inclusive, with at most 6 decimal places`);
  }
  return scaled;
}

function parseNumeric(terms: readonly JsonValue[]): ValueTest {
  const operator = terms[0];
  if (typeof operator !== 'string') {
    invalid('Invalid member in numeric match');
  }
  switch (operator) {
    case '=': {
      const value = comparableOperand(terms[1], operator);
      if (terms.length !== 2) {
        invalid('Too many elements in numeric expression');
      }
      return function numericEquals(leaf) {
        return leaf.kind === KIND_NUMBER && leaf.decimal()?.scaled === value;
      };
    }
    case '>':
    case '>=': {
      const bottom = comparableOperand(terms[1], operator);
      if (terms.length === 2) {
        return numericRange(bottom, operator === '>', SCALED_MAX, false);
      }
      const upper = terms[2];
      if (typeof upper !== 'string') {
        invalid('Bad value in numeric range');
      }
      if (upper !== '<' && upper !== '<=') {
        invalid(`Bad numeric range operator: ${upper}`);
      }
      const top = comparableOperand(terms[3], upper);
      if (terms.length !== 4) {
        invalid('Too many terms in numeric range expression');
      }
      return numericRange(bottom, operator === '>', top, upper === '<');
    }
    case '<':
    case '<=': {
      const top = comparableOperand(terms[1], operator);
      if (terms.length !== 2) {
        invalid('Too many elements in numeric expression');
      }
      return numericRange(SCALED_MIN, false, top, operator === '<');
    }
    default:
      invalid(`Unrecognized numeric range operator: ${operator}`);
  }
}

// As in event-ruler, one-sided ranges are closed at ±5e9, so e.g. [">", 5e9] is an empty, hence invalid, range.
function numericRange(bottom: number, openBottom: boolean, top: number, openTop: boolean): ValueTest {
  if (bottom >= top) {
    invalid('Bottom must be less than top');
  }
  return function inNumericRange(leaf) {
    if (leaf.kind !== KIND_NUMBER) {
      return false;
    }
    const value = leaf.decimal()?.scaled ?? Number.NaN;
    return (openBottom ? value > bottom : value >= bottom) && (openTop ? value < top : value <= top);
  };
}

type AnythingButOption = 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard';

function parseAnythingBut(builder: FieldBuilder, operand: JsonValue): ValueTest {
  if (operand instanceof JsonObject) {
    const [option, values] = soleMember(operand, 'Anything-But expression name not found');
    if (
      option !== 'equals-ignore-case' &&
      option !== 'prefix' &&
      option !== 'suffix' &&
      option !== 'wildcard'
    ) {
      invalid(`Unsupported anything-but pattern: ${option}`);
    }
    return parseAnythingButOption(builder, option, values);
  }
  if (Array.isArray(operand)) {
    const strings = new Set<string>();
    const numbers = new Set<string>();
    for (const value of operand) {
      if (typeof value === 'string') {
        strings.add(value);
      } else if (value instanceof JsonNumber) {
        comparableOperand(value, 'anything-but');
        numbers.add(parseDecimal(value.text)?.key ?? value.text);
      } else {
        invalid('Inside anything but list, start|null|boolean is not supported.');
      }
    }
    if ((strings.size === 0) === (numbers.size === 0)) {
      invalid(
        'Inside anything but list, either all values are number or string, mixed type is not supported',
      );
    }
    return strings.size > 0 ? anythingButStrings(strings) : anythingButNumbers(numbers);
  }
  if (typeof operand === 'string') {
    return anythingButStrings(new Set([operand]));
  }
  if (operand instanceof JsonNumber) {
    comparableOperand(operand, 'anything-but');
    return anythingButNumbers(new Set([parseDecimal(operand.text)?.key ?? operand.text]));
  }
  return invalid('Value of anything-but must be an array or single string/number value.');
}

// anything-but passes any value it does not rule out, including numbers, booleans and null.
function anythingButStrings(excluded: ReadonlySet<string>): ValueTest {
  return function isNotExcludedString(leaf) {
    return !(leaf.kind === KIND_STRING && excluded.has(leaf.text));
  };
}

function anythingButNumbers(excluded: ReadonlySet<string>): ValueTest {
  return function isNotExcludedNumber(leaf) {
    return !(leaf.kind === KIND_NUMBER && excluded.has(leaf.decimal()?.key ?? ''));
  };
}

function parseAnythingButOption(
  builder: FieldBuilder,
  option: AnythingButOption,
  operand: JsonValue,
): ValueTest {
  let texts: readonly JsonValue[];
  if (Array.isArray(operand)) {
    texts = operand;
  } else if (typeof operand === 'string' || operand instanceof JsonNumber) {
    texts = [operand];
  } else {
    invalid('Value of anything-but must be an array or single string/number value.');
  }
  const values = texts.map(function requireString(text): string {
    if (typeof text !== 'string') {
      invalid(
        option === 'equals-ignore-case'
          ? 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.'
          : `${option} match pattern must be a string`,
      );
    }
    if ((option === 'prefix' || option === 'suffix') && text === '') {
      invalid('Null prefix/suffix not allowed');
    }
    return text;
  });
  // Each branch rules out string values only; an empty list rules out nothing, as in event-ruler.
  switch (option) {
    case 'equals-ignore-case': {
      const folded: FoldedText[] = values.map(foldText);
      return function isNotEqualIgnoringCase(leaf) {
        return !(
          leaf.kind === KIND_STRING &&
          folded.some(function equalsLeaf(text) {
            return foldedEquals(leaf.text, text);
          })
        );
      };
    }
    case 'prefix':
      return function hasNoExcludedPrefix(leaf) {
        return !(
          leaf.kind === KIND_STRING &&
          values.some(function isPrefix(prefix) {
            return leaf.text.startsWith(prefix);
          })
        );
      };
    case 'suffix':
      return function hasNoExcludedSuffix(leaf) {
        return !(
          leaf.kind === KIND_STRING &&
          values.some(function isSuffix(suffix) {
            return leaf.text.endsWith(suffix);
          })
        );
      };
    case 'wildcard': {
      const wildcards = values.map(wildcardOrInvalid);
      if (wildcards.length > 0) {
        builder.wildcards.push(wildcards);
      }
      return function matchesNoExcludedWildcard(leaf) {
        return !(
          leaf.kind === KIND_STRING &&
          wildcards.some(function matchesLeaf(wildcard) {
            return wildcardMatches(wildcard, leaf.text);
          })
        );
      };
    }
  }
}

function combineTests(draft: FieldDraft): ValueTest | null {
  const tests = [...draft.tests];
  const exact = draft.exactStrings;
  if (exact.size > 0) {
    tests.unshift(function isExactString(leaf) {
      return leaf.kind === KIND_STRING && exact.has(leaf.text);
    });
  }
  if (tests.length === 0) {
    return null;
  }
  if (tests.length === 1) {
    return tests[0] ?? null;
  }
  return function anyTest(leaf) {
    for (const test of tests) {
      if (test(leaf)) {
        return true;
      }
    }
    return false;
  };
}

function checkComplexity(rules: readonly RuleDraft[]): void {
  const checked = new Set<FieldDraft>();
  for (const rule of rules) {
    for (const draft of rule.values()) {
      if (draft.wildcards.length > 0 && !checked.has(draft)) {
        checked.add(draft);
        if (wildcardComplexity(draft.wildcards, MAX_WILDCARD_COMPLEXITY) > MAX_WILDCARD_COMPLEXITY) {
          invalid(
            'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
          );
        }
      }
    }
  }
}
