/**
 * A strict JSON reader for event patterns and events that keeps what `JSON.parse` throws away: the literal
 * spelling of numbers (so `3.018e2`, `301.8` and `12345678901234567891` keep their exact value) and whether an
 * object repeated a key (the last occurrence wins, as in `JSON.parse`).
 */

/** A JSON number kept as its literal text; precision is decided by whoever compares it. */
export class JsonNumber {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

/** A JSON object; `Map` so that keys like `__proto__` are plain keys. */
export class JsonObject extends Map<string, JsonValue> {
  /** The text repeated a key; event-ruler refuses that inside a match expression. */
  duplicateKeys = false;
}

export type JsonValue = string | boolean | null | JsonNumber | JsonObject | JsonValue[];

/** Malformed JSON text; callers turn it into the error their API promises. */
export class JsonSyntaxError extends Error {
  override name = 'JsonSyntaxError';
}

// Deep enough for any real event (EventBridge caps events at 256 KB), shallow enough to stay off the stack limit.
export const MAX_JSON_DEPTH = 1000;

const CHAR_QUOTE = 0x22;
const CHAR_BACKSLASH = 0x5c;
const CHAR_MINUS = 0x2d;
const CHAR_ZERO = 0x30;
const CHAR_NINE = 0x39;
const CHAR_DOT = 0x2e;
const CHAR_PLUS = 0x2b;
const CHAR_OPEN_BRACE = 0x7b;
const CHAR_CLOSE_BRACE = 0x7d;
const CHAR_OPEN_BRACKET = 0x5b;
const CHAR_CLOSE_BRACKET = 0x5d;
const CHAR_COMMA = 0x2c;
const CHAR_COLON = 0x3a;

/**
 * Cursor over JSON text with the lexical pieces both the tree parser and the event flattener need.
 * Every method validates what it consumes, so skipping a value never lets malformed text through.
 */
export class JsonReader {
  readonly text: string;
  pos = 0;

  constructor(text: string) {
    this.text = text;
  }

  fail(message: string): never {
    throw new JsonSyntaxError(`${message} at position ${this.pos}`);
  }

  skipWhitespace(): void {
    const text = this.text;
    let pos = this.pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        pos++;
      } else {
        break;
      }
    }
    this.pos = pos;
  }

  /** The next significant character code (NaN at the end of the text), without consuming it. */
  peek(): number {
    this.skipWhitespace();
    return this.text.charCodeAt(this.pos);
  }

  expect(code: number): void {
    if (this.peek() !== code) {
      this.fail(`Expected '${String.fromCharCode(code)}'`);
    }
    this.pos++;
  }

  expectEnd(): void {
    this.skipWhitespace();
    if (this.pos !== this.text.length) {
      this.fail('Unexpected text after the JSON value');
    }
  }

  /** Reads a string literal (the cursor is on its opening quote) and returns its decoded value. */
  readString(): string {
    const text = this.text;
    const start = this.pos + 1;
    let pos = start;
    // Fast path: no escapes, so the value is a plain slice of the text.
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === CHAR_QUOTE) {
        this.pos = pos + 1;
        return text.slice(start, pos);
      }
      if (c === CHAR_BACKSLASH) {
        break;
      }
      if (!(c >= 0x20)) {
        this.pos = pos;
        this.fail('Unterminated string or control character in string');
      }
      pos++;
    }
    let value = text.slice(start, pos);
    let chunkStart = pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === CHAR_QUOTE) {
        this.pos = pos + 1;
        return value + text.slice(chunkStart, pos);
      }
      if (c === CHAR_BACKSLASH) {
        value += text.slice(chunkStart, pos);
        const escaped = text.charCodeAt(pos + 1);
        pos += 2;
        switch (escaped) {
          case 0x22:
            value += '"';
            break;
          case 0x5c:
            value += '\\';
            break;
          case 0x2f:
            value += '/';
            break;
          case 0x62:
            value += '\b';
            break;
          case 0x66:
            value += '\f';
            break;
          case 0x6e:
            value += '\n';
            break;
          case 0x72:
            value += '\r';
            break;
          case 0x74:
            value += '\t';
            break;
          case 0x75: {
            const hex = text.slice(pos, pos + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
              this.pos = pos;
              this.fail('Invalid \\u escape');
            }
            value += String.fromCharCode(Number.parseInt(hex, 16));
            pos += 4;
            break;
          }
          default:
            this.pos = pos - 1;
            this.fail('Invalid escape character');
        }
        chunkStart = pos;
        continue;
      }
      if (!(c >= 0x20)) {
        this.pos = pos;
        this.fail('Unterminated string or control character in string');
      }
      pos++;
    }
  }

  /** Consumes a string literal without building its value. */
  skipString(): void {
    const text = this.text;
    let pos = this.pos + 1;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === CHAR_QUOTE) {
        this.pos = pos + 1;
        return;
      }
      if (c === CHAR_BACKSLASH) {
        const escaped = text.charCodeAt(pos + 1);
        if (escaped === 0x75) {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
            this.pos = pos;
            this.fail('Invalid \\u escape');
          }
          pos += 6;
          continue;
        }
        if (
          escaped !== 0x22 &&
          escaped !== 0x5c &&
          escaped !== 0x2f &&
          escaped !== 0x62 &&
          escaped !== 0x66 &&
          escaped !== 0x6e &&
          escaped !== 0x72 &&
          escaped !== 0x74
        ) {
          this.pos = pos;
          this.fail('Invalid escape character');
        }
        pos += 2;
        continue;
      }
      if (!(c >= 0x20)) {
        this.pos = pos;
        this.fail('Unterminated string or control character in string');
      }
      pos++;
    }
  }

  /** Reads a number literal (RFC 8259 grammar) and returns its exact text. */
  readNumberText(): string {
    const text = this.text;
    const start = this.pos;
    let pos = start;
    if (text.charCodeAt(pos) === CHAR_MINUS) {
      pos++;
    }
    let c = text.charCodeAt(pos);
    if (c === CHAR_ZERO) {
      pos++;
    } else if (c > CHAR_ZERO && c <= CHAR_NINE) {
      do {
        pos++;
        c = text.charCodeAt(pos);
      } while (c >= CHAR_ZERO && c <= CHAR_NINE);
    } else {
      this.pos = pos;
      this.fail('Invalid number');
    }
    c = text.charCodeAt(pos);
    if (c === CHAR_DOT) {
      pos = this.digits(pos + 1);
      c = text.charCodeAt(pos);
    }
    if (c === 0x65 || c === 0x45) {
      pos++;
      c = text.charCodeAt(pos);
      if (c === CHAR_PLUS || c === CHAR_MINUS) {
        pos++;
      }
      pos = this.digits(pos);
    }
    this.pos = pos;
    return text.slice(start, pos);
  }

  private digits(from: number): number {
    const text = this.text;
    let pos = from;
    let c = text.charCodeAt(pos);
    while (c >= CHAR_ZERO && c <= CHAR_NINE) {
      pos++;
      c = text.charCodeAt(pos);
    }
    if (pos === from) {
      this.pos = pos;
      this.fail('Invalid number');
    }
    return pos;
  }

  /** Consumes `true`, `false` or `null` and returns which one. */
  readKeyword(): true | false | null {
    const text = this.text;
    const pos = this.pos;
    if (text.startsWith('true', pos)) {
      this.pos = pos + 4;
      return true;
    }
    if (text.startsWith('false', pos)) {
      this.pos = pos + 5;
      return false;
    }
    if (text.startsWith('null', pos)) {
      this.pos = pos + 4;
      return null;
    }
    return this.fail('Unexpected character');
  }

  /** Consumes any value without materialising it. */
  skipValue(depth: number): void {
    const c = this.peek();
    if (c === CHAR_QUOTE) {
      this.skipString();
    } else if (c === CHAR_OPEN_BRACE) {
      this.enter(depth);
      this.pos++;
      if (this.peek() === CHAR_CLOSE_BRACE) {
        this.pos++;
        return;
      }
      for (;;) {
        if (this.peek() !== CHAR_QUOTE) {
          this.fail('Expected an object key');
        }
        this.skipString();
        this.expect(CHAR_COLON);
        this.skipValue(depth + 1);
        if (!this.afterMember(CHAR_CLOSE_BRACE)) {
          return;
        }
      }
    } else if (c === CHAR_OPEN_BRACKET) {
      this.enter(depth);
      this.pos++;
      if (this.peek() === CHAR_CLOSE_BRACKET) {
        this.pos++;
        return;
      }
      for (;;) {
        this.skipValue(depth + 1);
        if (!this.afterMember(CHAR_CLOSE_BRACKET)) {
          return;
        }
      }
    } else if (c === CHAR_MINUS || (c >= CHAR_ZERO && c <= CHAR_NINE)) {
      this.readNumberText();
    } else {
      this.readKeyword();
    }
  }

  /** After a member or element: true when another follows (comma consumed), false when `close` ended it. */
  afterMember(close: number): boolean {
    const c = this.peek();
    if (c === CHAR_COMMA) {
      this.pos++;
      return true;
    }
    if (c === close) {
      this.pos++;
      return false;
    }
    return this.fail(`Expected ',' or '${String.fromCharCode(close)}'`);
  }

  enter(depth: number): void {
    if (depth >= MAX_JSON_DEPTH) {
      this.fail('JSON nested too deeply');
    }
  }
}

export const JSON_CHARS = {
  quote: CHAR_QUOTE,
  minus: CHAR_MINUS,
  zero: CHAR_ZERO,
  nine: CHAR_NINE,
  openBrace: CHAR_OPEN_BRACE,
  closeBrace: CHAR_CLOSE_BRACE,
  openBracket: CHAR_OPEN_BRACKET,
  closeBracket: CHAR_CLOSE_BRACKET,
  colon: CHAR_COLON,
} as const;

/** Parses JSON text into a tree that keeps number literals; the last of repeated keys wins. */
export function parseJson(text: string): JsonValue {
  const reader = new JsonReader(text);
  const value = readTree(reader, 0);
  reader.expectEnd();
  return value;
}

function readTree(reader: JsonReader, depth: number): JsonValue {
  const c = reader.peek();
  if (c === CHAR_QUOTE) {
    return reader.readString();
  }
  if (c === CHAR_OPEN_BRACE) {
    reader.enter(depth);
    reader.pos++;
    const object = new JsonObject();
    if (reader.peek() === CHAR_CLOSE_BRACE) {
      reader.pos++;
      return object;
    }
    for (;;) {
      if (reader.peek() !== CHAR_QUOTE) {
        reader.fail('Expected an object key');
      }
      const key = reader.readString();
      reader.expect(CHAR_COLON);
      const value = readTree(reader, depth + 1);
      if (object.has(key)) {
        // Re-inserting moves the key to where its winning occurrence stands, so document order still holds.
        object.delete(key);
        object.duplicateKeys = true;
      }
      object.set(key, value);
      if (!reader.afterMember(CHAR_CLOSE_BRACE)) {
        return object;
      }
    }
  }
  if (c === CHAR_OPEN_BRACKET) {
    reader.enter(depth);
    reader.pos++;
    const array: JsonValue[] = [];
    if (reader.peek() === CHAR_CLOSE_BRACKET) {
      reader.pos++;
      return array;
    }
    for (;;) {
      array.push(readTree(reader, depth + 1));
      if (!reader.afterMember(CHAR_CLOSE_BRACKET)) {
        return array;
      }
    }
  }
  if (c === CHAR_MINUS || (c >= CHAR_ZERO && c <= CHAR_NINE)) {
    return new JsonNumber(reader.readNumberText());
  }
  return reader.readKeyword();
}

/**
 * Converts an already-parsed JavaScript value to the tree, with `JSON.stringify`'s rules (toJSON, dropped
 * undefined/function members, non-finite numbers as null), and bigint kept exact.
 */
export function fromJsValue(value: unknown): JsonValue {
  return convert(value, new Set<object>(), 0);
}

function convert(input: unknown, ancestors: Set<object>, depth: number): JsonValue {
  let value = input;
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? new JsonNumber(numberText(value)) : null;
    case 'bigint':
      return new JsonNumber(value.toString());
    case 'object': {
      if (value === null) {
        return null;
      }
      if (depth >= MAX_JSON_DEPTH) {
        throw new JsonSyntaxError('JSON nested too deeply');
      }
      if (ancestors.has(value)) {
        throw new JsonSyntaxError('Value contains a cycle');
      }
      ancestors.add(value);
      try {
        if (Array.isArray(value)) {
          return value.map(function convertElement(element: unknown): JsonValue {
            return isOmitted(element) ? null : convert(element, ancestors, depth + 1);
          });
        }
        const object = new JsonObject();
        for (const [key, member] of Object.entries(value)) {
          if (!isOmitted(member)) {
            object.set(key, convert(member, ancestors, depth + 1));
          }
        }
        return object;
      } finally {
        ancestors.delete(value);
      }
    }
    default:
      return null;
  }
}

function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/** JSON spelling of a finite number (`-0` is written `0`, as JSON.stringify does). */
export function numberText(value: number): string {
  return Object.is(value, -0) ? '0' : String(value);
}
