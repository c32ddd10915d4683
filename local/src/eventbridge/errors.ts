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

/** @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/CommonErrors.html */
export function validationError(message: string): EventBridgeApiError {
  return new EventBridgeApiError('ValidationException', message);
}

/** @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_DescribeRule.html#API_DescribeRule_Errors */
export function resourceNotFound(message: string): EventBridgeApiError {
  return new EventBridgeApiError('ResourceNotFoundException', message);
}

/** @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_CreateEventBus.html#API_CreateEventBus_Errors */
export function resourceAlreadyExists(message: string): EventBridgeApiError {
  return new EventBridgeApiError('ResourceAlreadyExistsException', message);
}

/** @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html#API_PutRule_Errors */
export function invalidEventPattern(message: string): EventBridgeApiError {
  return new EventBridgeApiError('InvalidEventPatternException', message);
}

/** @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutTargets.html#API_PutTargets_Errors */
export function limitExceeded(message: string): EventBridgeApiError {
  return new EventBridgeApiError('LimitExceededException', message);
}

/** @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_CancelReplay.html#API_CancelReplay_Errors */
export function illegalStatus(message: string): EventBridgeApiError {
  return new EventBridgeApiError('IllegalStatusException', message);
}

/** @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/CommonErrors.html */
export function internalError(): EventBridgeApiError {
  return new EventBridgeApiError(
    'InternalException',
    'Service encountered unexpected problem. Please try again.',
    500,
  );
}
