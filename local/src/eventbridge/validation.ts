import { validationError } from './errors.ts';

/**
 * Parameter checks with EventBridge's wording ("1 validation error detected: ..."), so a test that
 * asserts on an error message sees what AWS would say.
 */

export type OperationInput = Record<string, unknown>;

/** EventBridge names members in camelCase in its validation messages (`eventBusName`). */
function memberName(field: string): string {
  return field.charAt(0).toLowerCase() + field.slice(1);
}

export function requireString(input: OperationInput, field: string): string {
  const value = input[field];
  if (value === undefined || value === null) {
    throw validationError(
      `1 validation error detected: Value null at '${memberName(field)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  if (typeof value !== 'string') throw validationError(`Parameter ${field} is not valid.`);
  return value;
}

export function optionalString(input: OperationInput, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw validationError(`Parameter ${field} is not valid.`);
  return value;
}

export function optionalNumber(input: OperationInput, field: string): number | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw validationError(`Parameter ${field} is not valid.`);
  }
  return value;
}

/** Names of rules, targets, archives and replays: `[\.\-_A-Za-z0-9]+` up to a maximum length. */
export const RESOURCE_NAME_PATTERN = /^[.\-_A-Za-z0-9]+$/;
/** Event bus names may also hold `/` (partner buses). */
export const EVENT_BUS_NAME_PATTERN = /^[/.\-_A-Za-z0-9]+$/;

export function checkName(value: string, member: string, pattern: RegExp, maxLength: number): string {
  if (value.length > maxLength) {
    throw validationError(
      `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${maxLength}`,
    );
  }
  if (value.length === 0 || !pattern.test(value)) {
    throw validationError(
      `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern.source.slice(1, -1)}`,
    );
  }
  return value;
}

/** A timestamp member: epoch seconds from the SDK, or an ISO string from a hand-written request. */
export function requireTimestamp(input: OperationInput, field: string): number {
  const value = input[field];
  if (value === undefined || value === null) {
    throw validationError(
      `1 validation error detected: Value null at '${memberName(field)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  const millis =
    typeof value === 'number' ? value * 1000 : typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(millis)) throw validationError(`Parameter ${field} is not valid.`);
  return millis;
}

/** Epoch seconds, the JSON 1.1 protocol's default timestamp format. */
export function epochSeconds(millis: number | undefined): number | undefined {
  return millis === undefined ? undefined : millis / 1000;
}

/**
 * One page of `items` for the List* operations: NextToken is the opaque offset of the next page.
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_ListRules.html
 */
export function paginate<T>(items: readonly T[], input: OperationInput): { page: T[]; nextToken?: string } {
  const limit = optionalNumber(input, 'Limit');
  if (limit !== undefined && (limit < 1 || limit > 100 || !Number.isInteger(limit))) {
    throw validationError(
      `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100`,
    );
  }
  const token = optionalString(input, 'NextToken');
  let start = 0;
  if (token !== undefined) {
    start = Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw validationError('The NextToken is not valid.');
  }
  const end = limit === undefined ? items.length : start + limit;
  const page = items.slice(start, end);
  return end < items.length ? { page, nextToken: Buffer.from(String(end)).toString('base64url') } : { page };
}
