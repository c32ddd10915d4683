// A streaming multipart/form-data parser (RFC 7578 on RFC 2046's framing) with no dependencies. It is a
// push parser: the caller feeds chunks as they arrive and gets part starts, data and part ends back, so a
// file never has to be held whole to be parsed, and the caller decides what to keep and when to stop.
//
// Framing, as RFC 2046 §5.1.1 has it: a delimiter is CRLF "--" boundary; the CRLF belongs to the
// delimiter, not to the preceding part. A delimiter line may carry trailing spaces/tabs before its CRLF;
// the close delimiter adds "--". Anything before the first delimiter (preamble) or after the close
// delimiter (epilogue) is ignored. The first delimiter may start the body without a CRLF, so the parser
// starts as if one CRLF had already been read.

/** What a part's headers say about it. */
export interface MultipartPart {
  /** The form field name (`name` parameter of `Content-Disposition: form-data`). */
  name: string;
  /** The `filename` parameter; present for file inputs (possibly empty), undefined for plain fields. */
  filename: string | undefined;
  /** The part's own `Content-Type` header, if any. */
  contentType: string | undefined;
}

/** Callbacks of the parser. Any of them may throw to abort parsing: the error surfaces from `write`. */
export interface MultipartHandlers {
  onPartStart(part: MultipartPart): void;
  /** A slice of the current part's body; never includes the delimiter's CRLF. May be called many times. */
  onPartData(data: Buffer): void;
  onPartEnd(): void;
}

/** Limits that keep a hostile body from growing the parser's own buffers. */
export interface MultipartLimits {
  /** Largest header block of one part, in bytes. */
  maxHeaderBytes: number;
}

/** The push side of the parser. */
export interface MultipartParser {
  /** Feeds the next chunk of the body. Throws `MultipartError` on malformed input, or a handler's error. */
  write(chunk: Buffer): void;
  /** Declares the end of the body. Throws `MultipartError` if the close delimiter never came. */
  end(): void;
  /** True once the close delimiter has been read; later input is epilogue and ignored. */
  readonly done: boolean;
}

/** The body is not well-formed multipart/form-data. */
export class MultipartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MultipartError';
  }
}

export const DEFAULT_MULTIPART_LIMITS: MultipartLimits = { maxHeaderBytes: 8 * 1024 };

const CR = 0x0d;
const LF = 0x0a;
const HYPHEN = 0x2d;
const SPACE = 0x20;
const TAB = 0x09;
const CRLF = Buffer.from('\r\n', 'latin1');
const HEADERS_END = Buffer.from('\r\n\r\n', 'latin1');
const EMPTY = Buffer.alloc(0);
/** Transport padding after a delimiter is whitespace a sender has no reason to make long. */
const MAX_TRANSPORT_PADDING = 256;
/** RFC 2046: 1 to 70 characters from a restricted set (space allowed, but not last). */
const BOUNDARY_PATTERN = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/**
 * The boundary of a `multipart/form-data` Content-Type, or undefined when the header is not one or its
 * boundary is missing or invalid.
 * @see https://www.rfc-editor.org/rfc/rfc7578#section-4.1
 */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const [type, ...rest] = splitParameters(contentType);
  if (type?.trim().toLowerCase() !== 'multipart/form-data') return undefined;
  const parameters = parseParameters(rest);
  const boundary = parameters.get('boundary');
  return boundary !== undefined && BOUNDARY_PATTERN.test(boundary) ? boundary : undefined;
}

/**
 * Creates a push parser for one multipart body.
 * @see https://www.rfc-editor.org/rfc/rfc2046#section-5.1.1
 */
export function createMultipartParser(
  boundary: string,
  handlers: MultipartHandlers,
  limits: MultipartLimits = DEFAULT_MULTIPART_LIMITS,
): MultipartParser {
  const delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  let state: 'preamble' | 'headers' | 'body' | 'done' = 'preamble';
  // Unconsumed input; starts with the CRLF the first delimiter may lack.
  let pending: Buffer = CRLF;

  // A function, not an inline test: the handlers called in between change `state`, which TypeScript's
  // narrowing of a closure variable cannot see.
  function isDone(): boolean {
    return state === 'done';
  }

  function emit(data: Buffer): void {
    if (state === 'body' && data.length > 0) handlers.onPartData(data);
  }

  /** Reads up to the next delimiter line; false when more input is needed. */
  function readUntilDelimiter(): boolean {
    const index = pending.indexOf(delimiter);
    if (index === -1) {
      // Everything but a possible delimiter prefix at the end is certainly content.
      const safe = Math.max(0, pending.length - (delimiter.length - 1));
      emit(pending.subarray(0, safe));
      pending = Buffer.from(pending.subarray(safe));
      return false;
    }
    const lineEnd = delimiterLineEnd(pending, index + delimiter.length);
    if (lineEnd === 'more') {
      emit(pending.subarray(0, index));
      pending = Buffer.from(pending.subarray(index));
      return false;
    }
    if (lineEnd === 'not-a-delimiter') {
      // e.g. "\r\n--boundaryX": content that merely starts like a delimiter. Move past its CR and go on.
      emit(pending.subarray(0, index + 1));
      pending = pending.subarray(index + 1);
      return true;
    }
    emit(pending.subarray(0, index));
    if (state === 'body') handlers.onPartEnd();
    if (lineEnd === 'close') {
      state = 'done';
      pending = EMPTY;
      return true;
    }
    state = 'headers';
    pending = pending.subarray(lineEnd);
    return true;
  }

  /** Reads one part's header block; false when more input is needed. */
  function readHeaders(): boolean {
    if (pending.length < 2) return false;
    let headerBytes: number;
    let bodyStart: number;
    if (pending[0] === CR && pending[1] === LF) {
      // No headers at all; RFC 7578 requires Content-Disposition, which parsePart reports.
      headerBytes = 0;
      bodyStart = 2;
    } else {
      const end = pending.indexOf(HEADERS_END);
      if (end === -1) {
        if (pending.length > limits.maxHeaderBytes) throw new MultipartError('part headers too large');
        return false;
      }
      headerBytes = end;
      bodyStart = end + HEADERS_END.length;
    }
    if (headerBytes > limits.maxHeaderBytes) throw new MultipartError('part headers too large');
    const part = parsePart(pending.subarray(0, headerBytes).toString('utf8'));
    pending = pending.subarray(bodyStart);
    state = 'body';
    handlers.onPartStart(part);
    return true;
  }

  return {
    write: function write(chunk) {
      if (isDone() || chunk.length === 0) return;
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let progressed = true;
      while (progressed && !isDone()) {
        progressed = state === 'headers' ? readHeaders() : readUntilDelimiter();
      }
    },
    end: function end() {
      if (!isDone()) throw new MultipartError('body ended before the closing boundary');
    },
    get done() {
      return isDone();
    },
  };
}

/**
 * Where the delimiter line that ends at `after` ends: the index of the next part's headers, `close` for
 * the close delimiter, `more` when the input so far cannot tell, `not-a-delimiter` when the bytes after
 * the boundary show it is content.
 */
function delimiterLineEnd(buffer: Buffer, after: number): number | 'close' | 'more' | 'not-a-delimiter' {
  const first = buffer[after];
  if (first === undefined) return 'more';
  if (first === HYPHEN) {
    const second = buffer[after + 1];
    if (second === undefined) return 'more';
    return second === HYPHEN ? 'close' : 'not-a-delimiter';
  }
  let index = after;
  while (index < buffer.length && (buffer[index] === SPACE || buffer[index] === TAB)) {
    index += 1;
    if (index - after > MAX_TRANSPORT_PADDING) throw new MultipartError('boundary line padding too long');
  }
  if (index >= buffer.length) return 'more';
  if (buffer[index] !== CR) return 'not-a-delimiter';
  const next = buffer[index + 1];
  if (next === undefined) return 'more';
  return next === LF ? index + 2 : 'not-a-delimiter';
}

/** Parses a part's header block (CRLF-separated lines) into what the form needs. */
function parsePart(headerBlock: string): MultipartPart {
  const headers = new Map<string, string>();
  for (const line of headerBlock === '' ? [] : headerBlock.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MultipartError('malformed part header');
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) throw new MultipartError('malformed part header name');
    headers.set(name, line.slice(colon + 1).trim());
  }
  const disposition = headers.get('content-disposition');
  if (disposition === undefined) throw new MultipartError('part without Content-Disposition');
  const [type, ...rest] = splitParameters(disposition);
  if (type?.trim().toLowerCase() !== 'form-data') throw new MultipartError('part is not form-data');
  const parameters = parseParameters(rest);
  const name = parameters.get('name');
  if (name === undefined) throw new MultipartError('part without a name');
  return { name, filename: parameters.get('filename'), contentType: headers.get('content-type') };
}

/** Splits a header value on `;` outside quoted strings. */
function splitParameters(value: string): string[] {
  const pieces: string[] = [];
  let current = '';
  let quoted = false;
  for (let index = 0; index < value.length; index += 1) {
    const character = value[index]!;
    if (quoted && character === '\\' && index + 1 < value.length) {
      current += character + value[index + 1];
      index += 1;
    } else if (character === '"') {
      quoted = !quoted;
      current += character;
    } else if (character === ';' && !quoted) {
      pieces.push(current);
      current = '';
    } else {
      current += character;
    }
  }
  if (quoted) throw new MultipartError('unterminated quoted string');
  pieces.push(current);
  return pieces;
}

/** `name=value` / `name="quoted value"` pairs; names lower-cased, the first of a repeated name wins. */
function parseParameters(pieces: readonly string[]): Map<string, string> {
  const parameters = new Map<string, string>();
  for (const piece of pieces) {
    const equals = piece.indexOf('=');
    if (equals <= 0) continue;
    const name = piece.slice(0, equals).trim().toLowerCase();
    const raw = piece.slice(equals + 1).trim();
    if (!parameters.has(name)) parameters.set(name, unquote(raw));
  }
  return parameters;
}

function unquote(raw: string): string {
  if (raw.length < 2 || !raw.startsWith('"') || !raw.endsWith('"')) return raw;
  // Browsers percent-encode `"` and line breaks (HTML's form encoding); a backslash escape is the RFC
  // 2045 quoted-pair, honoured only before `"` and `\` so Windows paths in old browsers survive.
  return raw.slice(1, -1).replace(/\\(["\\])/g, '$1');
}
