import { describe, expect, it } from '@jest/globals';
import type { MultipartPart } from '../../src/s3-front/multipart.ts';
import { createMultipartParser, MultipartError, multipartBoundary } from '../../src/s3-front/multipart.ts';

const BOUNDARY = '----formBoundary7MA4YWxk';

interface ParsedPart extends MultipartPart {
  body: string;
}

/** Feeds `body` to a parser in the given chunk sizes (cycled) and collects the parts. */
function parse(
  body: Buffer | string,
  chunkSizes: readonly number[] = [Number.MAX_SAFE_INTEGER],
): ParsedPart[] {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const parts: ParsedPart[] = [];
  let current: { part: MultipartPart; chunks: Buffer[] } | undefined;
  const parser = createMultipartParser(BOUNDARY, {
    onPartStart(part) {
      current = { part, chunks: [] };
    },
    onPartData(data) {
      current?.chunks.push(Buffer.from(data));
    },
    onPartEnd() {
      if (current) parts.push({ ...current.part, body: Buffer.concat(current.chunks).toString('utf8') });
      current = undefined;
    },
  });
  let offset = 0;
  let turn = 0;
  while (offset < bytes.length) {
    const size = chunkSizes[turn % chunkSizes.length]!;
    parser.write(bytes.subarray(offset, offset + size));
    offset += size;
    turn += 1;
  }
  parser.end();
  return parts;
}

function field(name: string, value: string): string {
  return `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
}

function file(name: string, filename: string, content: string, type = 'image/jpeg'): string {
  return (
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\n` +
    `Content-Type: ${type}\r\n\r\n${content}\r\n`
  );
}

const CLOSE = `--${BOUNDARY}--\r\n`;

describe('multipart/form-data parser', () => {
  it('given fields and a file, when parsed, then each part comes with its name, filename and type', () => {
    const parts = parse(
      field('key', 'jobs/a.jpg') +
        field('Content-Type', 'image/jpeg') +
        file('file', 'a.jpg', 'JPEG') +
        CLOSE,
    );

    expect(parts).toEqual([
      { name: 'key', filename: undefined, contentType: undefined, body: 'jobs/a.jpg' },
      { name: 'Content-Type', filename: undefined, contentType: undefined, body: 'image/jpeg' },
      { name: 'file', filename: 'a.jpg', contentType: 'image/jpeg', body: 'JPEG' },
    ]);
  });

  it('given content full of CRLFs and near-boundaries, when parsed, then the content is kept byte for byte', () => {
    const tricky = [
      '\r\n', // starts with a line break
      'line\r\n\r\n', // blank lines
      `x--${BOUNDARY}`, // the boundary, but not right after a CRLF: content
      `\r\n--${BOUNDARY.slice(0, -1)}`, // a delimiter cut one character short
      `\r\n--${BOUNDARY}X`, // the boundary followed by more boundary-ish characters: content
      `\r\n--${BOUNDARY}-x`, // not a close delimiter either
      '\r', // a lone CR
      '\r\n', // ends with CRLF: that one is content, the next belongs to the delimiter
    ].join('');

    const parts = parse(file('file', 'a.bin', tricky) + CLOSE);

    expect(parts).toHaveLength(1);
    expect(parts[0]!.body).toBe(tricky);
  });

  it('given any split of the body into two chunks, when parsed, then the result is the same', () => {
    const body = `preamble\r\n${field('key', 'k')}${file('file', 'f.txt', `a\r\n--${BOUNDARY}Z\r\nb\r\n`)}${CLOSE}`;
    const expected = parse(body);

    for (let split = 1; split < body.length; split += 1) {
      expect(parse(body, [split, body.length])).toEqual(expected);
    }
    expect(parse(body, [1])).toEqual(expected);
    expect(parse(body, [3, 7, 2])).toEqual(expected);
  });

  it('given a preamble, transport padding and an epilogue, when parsed, then only the parts remain', () => {
    const body =
      `This is the preamble.\r\n--${BOUNDARY} \t\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n` +
      `--${BOUNDARY}--\r\nThis is the epilogue, with --${BOUNDARY} in it.\r\n`;

    expect(parse(body)).toEqual([{ name: 'a', filename: undefined, contentType: undefined, body: '1' }]);
  });

  it('given empty content and a part with no headers block after the delimiter, when parsed, then the empty part is kept', () => {
    expect(parse(field('empty', '') + CLOSE)).toEqual([
      { name: 'empty', filename: undefined, contentType: undefined, body: '' },
    ]);
  });

  it('given UTF-8 names and an escaped quote, when parsed, then names and file names are decoded', () => {
    const body =
      `--${BOUNDARY}\r\ncontent-disposition: form-data; filename="fot\\"o ñ.jpg"; name="file"\r\n\r\nx\r\n` +
      CLOSE;

    expect(parse(body)).toEqual([
      { name: 'file', filename: 'fot"o ñ.jpg', contentType: undefined, body: 'x' },
    ]);
  });

  it('given line ends of LF only, when parsed, then the body is malformed', () => {
    const body = `--${BOUNDARY}\nContent-Disposition: form-data; name="a"\n\n1\n--${BOUNDARY}--\n`;

    expect(() => parse(body)).toThrow(MultipartError);
  });

  it('given a body cut before the closing boundary, when ended, then the parser reports it', () => {
    expect(() => parse(field('a', '1'))).toThrow('body ended before the closing boundary');
  });

  it('given a part without Content-Disposition or name, when parsed, then the body is malformed', () => {
    expect(() => parse(`--${BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n${CLOSE}`)).toThrow(
      MultipartError,
    );
    expect(() => parse(`--${BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n${CLOSE}`)).toThrow(
      'part without a name',
    );
  });

  it('given part headers beyond the limit, when parsed, then it stops instead of buffering them', () => {
    const parser = createMultipartParser(
      BOUNDARY,
      { onPartStart() {}, onPartData() {}, onPartEnd() {} },
      { maxHeaderBytes: 64 },
    );

    expect(() => parser.write(Buffer.from(`--${BOUNDARY}\r\nX-Long: ${'a'.repeat(100)}`))).toThrow(
      'part headers too large',
    );
  });

  it('given a handler that throws, when the part starts, then the error surfaces from write', () => {
    const parser = createMultipartParser(BOUNDARY, {
      onPartStart() {
        throw new Error('stop here');
      },
      onPartData() {},
      onPartEnd() {},
    });

    expect(() => parser.write(Buffer.from(field('a', '1')))).toThrow('stop here');
  });

  it('given the closing boundary, when more input arrives, then it is ignored and done is true', () => {
    const seen: string[] = [];
    const parser = createMultipartParser(BOUNDARY, {
      onPartStart(part) {
        seen.push(part.name);
      },
      onPartData() {},
      onPartEnd() {},
    });

    parser.write(Buffer.from(field('a', '1') + CLOSE));
    parser.write(Buffer.from(field('b', '2')));

    expect(parser.done).toBe(true);
    expect(seen).toEqual(['a']);
    expect(() => parser.end()).not.toThrow();
  });
});

describe('multipart boundary from Content-Type', () => {
  it.each([
    ['multipart/form-data; boundary=abc', 'abc'],
    ['Multipart/Form-Data; charset=utf-8; BOUNDARY="a b:c"', 'a b:c'],
    [`multipart/form-data; boundary=${BOUNDARY}`, BOUNDARY],
  ])('given %s, when read, then the boundary is %s', (contentType, boundary) => {
    expect(multipartBoundary(contentType)).toBe(boundary);
  });

  it.each([
    [undefined],
    ['application/x-www-form-urlencoded'],
    ['multipart/form-data'],
    ['multipart/form-data; boundary='],
    [`multipart/form-data; boundary=${'a'.repeat(71)}`],
    ['multipart/mixed; boundary=abc'],
  ])('given %s, when read, then there is no boundary', (contentType) => {
    expect(multipartBoundary(contentType)).toBeUndefined();
  });
});
