/** One problem with one input field, as returned to API callers in `details`. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * An error whose meaning the caller should see: it maps to an HTTP status and a safe message.
 * Anything that is not an AppError is an internal error and is answered with a bare 500.
 */
export class AppError extends Error {
  readonly statusCode: number;
  readonly details: readonly unknown[] | undefined;
  constructor(statusCode: number, message: string, details?: readonly unknown[]) {
    super(message);
    this.statusCode = statusCode;
    this.details = details;
  }
}

export class ValidationError extends AppError {
  override name = 'ValidationError';
  constructor(message: string, details: readonly FieldError[] = []) {
    super(400, message, details);
  }
}
export class UnauthorizedError extends AppError {
  override name = 'UnauthorizedError';
  constructor(message = 'Unauthorized') {
    super(401, message);
  }
}
export class ForbiddenError extends AppError {
  override name = 'ForbiddenError';
  constructor(message = 'Forbidden') {
    super(403, message);
  }
}
/** Unknown, expired and revoked things all answer with this, so the answer reveals nothing. */
export class NotFoundError extends AppError {
  override name = 'NotFoundError';
  constructor(message = 'Not found') {
    super(404, message);
  }
}
export class ConflictError extends AppError {
  override name = 'ConflictError';
  constructor(message: string, details?: readonly unknown[]) {
    super(409, message, details);
  }
}
export class PayloadTooLargeError extends AppError {
  override name = 'PayloadTooLargeError';
  constructor(limitBytes: number) {
    super(413, `Request body is larger than ${limitBytes} bytes`);
  }
}
export class UnsupportedMediaTypeError extends AppError {
  override name = 'UnsupportedMediaTypeError';
  constructor(message = 'Request body must be application/json') {
    super(415, message);
  }
}
export class TooManyRequestsError extends AppError {
  override name = 'TooManyRequestsError';
  /** Seconds until the limit's window ends: sent as `Retry-After`. */
  readonly retryAfterSeconds: number;
  constructor(message = 'Too many requests, try again shortly', retryAfterSeconds = 60) {
    super(429, message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * A failure that will not go away by retrying (bad input, a 4xx from a provider such as Twilio 21610).
 * Queue consumers record it as the message's outcome and acknowledge the message.
 */
export class PermanentError extends Error {
  override name = 'PermanentError';
  readonly code: string | undefined;
  constructor(message: string, options: { code?: string | number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = options.code === undefined ? undefined : String(options.code);
  }
}

/** A failure worth retrying (timeouts, throttling, 5xx): the message goes back to the queue, then to its DLQ. */
export class TransientError extends Error {
  override name = 'TransientError';
  readonly code: string | undefined;
  constructor(message: string, options: { code?: string | number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = options.code === undefined ? undefined : String(options.code);
  }
}

/**
 * AWS refusing our own credentials or permissions (an IAM grant missing in a deploy, a key gone): the
 * record is fine and the configuration is not. Answered as 400/403, they would count as permanent and the
 * message be acknowledged with nothing but a failure record; retried, it reaches the DLQ and its alarm,
 * and is redriven once the configuration is fixed (as callPartner's ConfigError for a partner's 401/403).
 */
const AWS_CONFIGURATION_ERRORS = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'AuthorizationErrorException',
  'KMSAccessDeniedException',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'MissingAuthenticationTokenException',
]);

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

function httpStatusOf(error: Record<string, unknown>): number | undefined {
  const metadata = error.$metadata as { httpStatusCode?: number } | undefined;
  const status = error.status ?? error.statusCode ?? metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Decides whether a failure is worth retrying. Network errors, timeouts, throttling (429), 5xx and AWS
 * refusing our credentials or permissions are transient; other 4xx, validation errors and RangeErrors (impossible values) are permanent. An error we cannot classify is treated as
 * transient: retrying and then parking it in a DLQ with a record loses nothing, dropping it would.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof TransientError) return true;
  if (error instanceof PermanentError) return false;
  // zod 4's ZodError is not always an `instanceof Error`; recognise it by name.
  if ((error as { name?: unknown } | null)?.name === 'ZodError' || error instanceof AppError) return false;
  // An impossible value (a date past year 9999 in date arithmetic: "Invalid time value") fails the same
  // way every time: record it as the outcome instead of retrying it into the DLQ and its alarm.
  if (error instanceof RangeError) return false;
  if (!(error instanceof Error)) return true;
  const record = error as unknown as Record<string, unknown>;
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return true;
  if (record.$metadata !== undefined && AWS_CONFIGURATION_ERRORS.has(error.name)) return true;
  if (typeof record.code === 'string' && TRANSIENT_NETWORK_CODES.has(record.code)) return true;
  if ((record.$retryable as unknown) !== undefined) return true;
  const status = httpStatusOf(record);
  if (status === undefined) return true;
  return status === 408 || status === 429 || status >= 500;
}

/** The provider's error code when there is one (Twilio `code`, AWS error name), for failure records. */
export function errorCodeOf(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const record = error as unknown as Record<string, unknown>;
  const code = record.code ?? record.Code;
  if (typeof code === 'string' || typeof code === 'number') return String(code);
  const status = httpStatusOf(record);
  return status === undefined ? undefined : `HTTP ${status}`;
}
