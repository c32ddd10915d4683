// From what a function returned to what the client receives, by the payload format 2.0 response rules,
// and the canned answers API Gateway itself gives (`{"message":"..."}`).

/** An HTTP answer ready to write: lower-cased header names, `set-cookie` possibly repeated. */
export interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** The result of mapping a function's return value. */
export type ResultMapping =
  | {
      ok: true;
      answer: HttpAnswer;
      /** Fields API Gateway ignores that the function set anyway (e.g. `multiValueHeaders`), for the log. */
      ignored: string[];
    }
  | { ok: false; reason: string };

/** What an HTTP API answers for a function error, timeout or malformed response. */
export const INTERNAL_SERVER_ERROR = 'Internal Server Error';

// The server computes these; a function's values would corrupt the framing.
const FRAMING_HEADERS = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
]);

/**
 * Maps a function's return value (what the handler returned, before Lambda serialized it) per payload 2.0:
 * a value with a `statusCode` is a structured response (`statusCode`, `headers`, `cookies`, `body`,
 * `isBase64Encoded`); any other JSON value is the body of a 200 with `content-type: application/json` — a
 * string as is, anything else as JSON text. `multiValueHeaders` is a 1.0 field and is ignored, as in AWS.
 * A malformed structured response yields `ok: false` (API Gateway answers 500).
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html#http-api-develop-integrations-lambda.response
 */
export function mapFunctionResult(result: unknown): ResultMapping {
  let payload: unknown;
  try {
    payload = asLambdaPayload(result);
  } catch (error) {
    return { ok: false, reason: `result is not JSON-serializable: ${(error as Error).message}` };
  }
  if (isRecord(payload) && 'statusCode' in payload) return mapStructured(payload);
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return {
    ok: true,
    answer: {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(body, 'utf8'),
    },
    ignored: [],
  };
}

/** API Gateway's own answer: `{"message":"Not Found"}` and the like, as `application/json`. */
export function gatewayAnswer(
  statusCode: number,
  message: string,
  headers: Record<string, string> = {},
): HttpAnswer {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(JSON.stringify({ message }), 'utf8'),
  };
}

// Lambda serializes the handler's return with JSON.stringify (`undefined` becomes `null`, a Date a string,
// a BigInt an error); doing the same here keeps local results from carrying what AWS would lose.
function asLambdaPayload(result: unknown): unknown {
  const text = JSON.stringify(result);
  return text === undefined ? null : JSON.parse(text);
}

function mapStructured(result: Record<string, unknown>): ResultMapping {
  const { statusCode, headers, cookies, body, isBase64Encoded } = result;
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    return { ok: false, reason: `invalid statusCode ${JSON.stringify(statusCode)}` };
  }
  if (body !== undefined && body !== null && typeof body !== 'string') {
    return { ok: false, reason: 'body must be a string' };
  }
  if (isBase64Encoded !== undefined && isBase64Encoded !== null && typeof isBase64Encoded !== 'boolean') {
    return { ok: false, reason: 'isBase64Encoded must be a boolean' };
  }
  const mappedHeaders = mapHeaders(headers);
  if (!mappedHeaders) return { ok: false, reason: 'headers must map names to strings, numbers or booleans' };
  if (cookies !== undefined && cookies !== null) {
    if (!Array.isArray(cookies) || !cookies.every((cookie) => typeof cookie === 'string')) {
      return { ok: false, reason: 'cookies must be an array of strings' };
    }
    // Cookies from the array come first, then a `set-cookie` the function put in `headers`.
    const fromHeader = mappedHeaders['set-cookie'];
    const setCookie = [...cookies, ...(fromHeader === undefined ? [] : [fromHeader].flat())];
    if (setCookie.length > 0) mappedHeaders['set-cookie'] = setCookie;
  }
  const text = typeof body === 'string' ? body : '';
  if (isBase64Encoded === true && !isBase64(text)) return { ok: false, reason: 'body is not valid base64' };
  const ignored = 'multiValueHeaders' in result ? ['multiValueHeaders'] : [];
  return {
    ok: true,
    answer: {
      statusCode,
      headers: mappedHeaders,
      body: isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8'),
    },
    ignored,
  };
}

function mapHeaders(headers: unknown): Record<string, string | string[]> | null {
  if (headers === undefined || headers === null) return {};
  if (!isRecord(headers)) return null;
  const mapped: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return null;
    const lower = name.toLowerCase();
    if (FRAMING_HEADERS.has(lower)) continue;
    mapped[lower] = String(value);
  }
  return mapped;
}

function isBase64(text: string): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(text.replace(/\s+/g, '')) && text.replace(/\s+/g, '').length % 4 === 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
