/**
 * An error the emulator answers with, in the AWS JSON 1.1 shape `{"__type": code, "message": ...}`.
 * The SDK picks the exception class from `code` (e.g. `ResourceNotFoundException`), so codes must be
 * spelled exactly as EventBridge spells them.
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/CommonErrors.html
 */
export class EventBridgeApiError extends Error {
  override name = 'EventBridgeApiError';
  readonly code: string;
  readonly statusCode: number;

  constructor(code: string, message: string, statusCode = 400) {
    super(message);
    this.code = code;
    this.statusCode = statusCode;
  }
}

export function validationError(message: string): EventBridgeApiError {
  return new EventBridgeApiError('ValidationException', message);
}

export function resourceNotFound(message: string): EventBridgeApiError {
  return new EventBridgeApiError('ResourceNotFoundException', message);
}

export function resourceAlreadyExists(message: string): EventBridgeApiError {
  return new EventBridgeApiError('ResourceAlreadyExistsException', message);
}

export function invalidEventPattern(message: string): EventBridgeApiError {
  return new EventBridgeApiError('InvalidEventPatternException', message);
}

export function limitExceeded(message: string): EventBridgeApiError {
  return new EventBridgeApiError('LimitExceededException', message);
}

export function illegalStatus(message: string): EventBridgeApiError {
  return new EventBridgeApiError('IllegalStatusException', message);
}

export function internalError(): EventBridgeApiError {
  return new EventBridgeApiError(
    'InternalException',
    'Service encountered unexpected problem. Please try again.',
    500,
  );
}
