import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EventBridgeApiError, internalError } from './errors.ts';
import { type Operation, unknownOperation } from './operations.ts';

/**
 * The AWS JSON 1.1 protocol as EventBridge speaks it: `POST /` with `X-Amz-Target: AWSEvents.<Operation>`
 * and a JSON body; answers are JSON with `Content-Type: application/x-amz-json-1.1`, errors
 * `{"__type": "<Code>", "message": "..."}` with a 4xx/5xx status. Signatures are accepted unchecked: the
 * local cloud has no credentials to check them against.
 * @see https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html
 */

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

const TARGET_PREFIX = 'AWSEvents.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
/** Well above PutEvents' 256 KB of entries plus JSON overhead; protects the process from runaway bodies. */
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/**
 * Returns the Node HTTP handler that serves `operations` over AWS JSON 1.1.
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/CommonParameters.html
 */
export function createJsonProtocolHandler(operations: Readonly<Record<string, Operation>>): RequestHandler {
  return function handleEventBridgeRequest(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    let received = 0;
    let tooLarge = false;
    request.on('data', function collectBody(chunk: Buffer) {
      received += chunk.length;
      if (received > MAX_REQUEST_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('error', function abandonRequest() {
      response.destroy();
    });
    request.on('end', function answerRequest() {
      if (tooLarge) {
        sendError(response, new EventBridgeApiError('ValidationException', 'Request is too large.', 413));
        return;
      }
      sendResult(response, invoke(operations, request, Buffer.concat(chunks)));
    });
  };
}

function invoke(
  operations: Readonly<Record<string, Operation>>,
  request: IncomingMessage,
  body: Buffer,
): { ok: true; output: unknown } | { ok: false; error: EventBridgeApiError } {
  try {
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX)
      ? operations[target.slice(TARGET_PREFIX.length)]
      : undefined;
    if (request.method !== 'POST' || !operation)
      throw unknownOperation(target || `${request.method} ${request.url}`);
    let input: unknown = {};
    if (body.length > 0) {
      try {
        input = JSON.parse(body.toString('utf8'));
      } catch {
        throw new EventBridgeApiError('SerializationException', 'Request body is not valid JSON.');
      }
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new EventBridgeApiError('SerializationException', 'Request body must be a JSON object.');
    }
    return { ok: true, output: operation(input as Record<string, unknown>) };
  } catch (error) {
    if (error instanceof EventBridgeApiError) return { ok: false, error };
    console.error('[eventbridge] operation failed:', error);
    return { ok: false, error: internalError() };
  }
}

function sendResult(
  response: ServerResponse,
  result: { ok: true; output: unknown } | { ok: false; error: EventBridgeApiError },
): void {
  if (result.ok) send(response, 200, JSON.stringify(result.output ?? {}));
  else sendError(response, result.error);
}

function sendError(response: ServerResponse, error: EventBridgeApiError): void {
  send(
    response,
    error.statusCode,
    JSON.stringify({ __type: error.code, message: error.message }),
    error.code,
  );
}

function send(response: ServerResponse, status: number, body: string, errorType?: string): void {
  const headers: Record<string, string | number> = {
    'Content-Type': CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': randomUUID(),
  };
  if (errorType !== undefined) headers['x-amzn-ErrorType'] = errorType;
  response.writeHead(status, headers);
  response.end(body);
}
