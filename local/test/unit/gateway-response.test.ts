import { describe, expect, it } from '@jest/globals';
import type { HttpAnswer } from '../../src/gateway/response.ts';
import { gatewayAnswer, mapFunctionResult } from '../../src/gateway/response.ts';

function answerOf(result: unknown): HttpAnswer & { text: string; ignored: string[] } {
  const mapped = mapFunctionResult(result);
  if (!mapped.ok) throw new Error(`expected a valid response, got: ${mapped.reason}`);
  return { ...mapped.answer, text: mapped.answer.body.toString('utf8'), ignored: mapped.ignored };
}

function reasonOf(result: unknown): string {
  const mapped = mapFunctionResult(result);
  if (mapped.ok) throw new Error('expected an invalid response');
  return mapped.reason;
}

describe('HTTP API response mapping (payload 2.0)', () => {
  it('given a bare string, when mapped, then it is a 200 JSON answer whose body is the string itself', () => {
    const answer = answerOf('Hello from Lambda!');

    expect(answer.statusCode).toBe(200);
    expect(answer.headers).toEqual({ 'content-type': 'application/json' });
    expect(answer.text).toBe('Hello from Lambda!');
  });

  it('given an object without statusCode, when mapped, then its JSON is the body of a 200', () => {
    const answer = answerOf({ message: 'Hello from Lambda!' });

    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(JSON.parse(answer.text)).toEqual({ message: 'Hello from Lambda!' });
  });

  it('given undefined, an array or a number, when mapped, then each is serialized as Lambda would', () => {
    expect(answerOf(undefined).text).toBe('null');
    expect(answerOf([1, 'a']).text).toBe('[1,"a"]');
    expect(answerOf(42).text).toBe('42');
  });

  it('given a structured response, when mapped, then status, headers, cookies and body are applied', () => {
    const answer = answerOf({
      statusCode: 201,
      headers: { 'Content-Type': 'application/json', 'X-Count': 3, 'X-Cached': false, 'Set-Cookie': 'c=3' },
      cookies: ['a=1; Path=/', 'b=2; HttpOnly'],
      body: '{"jobId":"j-1"}',
    });

    expect(answer.statusCode).toBe(201);
    expect(answer.headers).toEqual({
      'content-type': 'application/json',
      'x-count': '3',
      'x-cached': 'false',
      'set-cookie': ['a=1; Path=/', 'b=2; HttpOnly', 'c=3'],
    });
    expect(answer.text).toBe('{"jobId":"j-1"}');
  });

  it('given a structured response without body or content type, when mapped, then nothing is invented', () => {
    const answer = answerOf({ statusCode: 204 });

    expect(answer.statusCode).toBe(204);
    expect(answer.headers).toEqual({});
    expect(answer.body.length).toBe(0);
  });

  it('given a base64 body, when mapped, then the client receives the decoded bytes', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
    const answer = answerOf({
      statusCode: 200,
      headers: { 'content-type': 'image/png' },
      body: png.toString('base64'),
      isBase64Encoded: true,
    });

    expect(answer.body.equals(png)).toBe(true);
  });

  it('given multiValueHeaders (a 1.0 field), when mapped, then they are ignored and reported', () => {
    const answer = answerOf({ statusCode: 200, multiValueHeaders: { 'x-a': ['1', '2'] }, body: 'ok' });

    expect(answer.headers).not.toHaveProperty('x-a');
    expect(answer.ignored).toEqual(['multiValueHeaders']);
  });

  it('given framing headers from the function, when mapped, then they are dropped', () => {
    const answer = answerOf({
      statusCode: 200,
      headers: { 'Content-Length': '999', Connection: 'close' },
      body: 'ok',
    });

    expect(answer.headers).toEqual({});
  });

  it.each([
    [{ statusCode: '200', body: 'ok' }, /invalid statusCode/],
    [{ statusCode: 42 }, /invalid statusCode/],
    [{ statusCode: null }, /invalid statusCode/],
    [{ statusCode: 200, body: { jobId: 'j-1' } }, /body must be a string/],
    [{ statusCode: 200, headers: { 'x-list': ['a'] } }, /headers must map/],
    [{ statusCode: 200, cookies: 'a=1' }, /cookies must be an array/],
    [{ statusCode: 200, isBase64Encoded: 'yes' }, /isBase64Encoded must be a boolean/],
    [{ statusCode: 200, body: 'not base64!', isBase64Encoded: true }, /not valid base64/],
  ])(
    'given the malformed response %j, when mapped, then it is invalid (API Gateway answers 500)',
    (result, reason) => {
      expect(reasonOf(result)).toMatch(reason);
    },
  );

  it('given a result JSON cannot represent, when mapped, then it is invalid', () => {
    expect(reasonOf({ statusCode: 200, body: 'ok', count: 10n })).toMatch(/not JSON-serializable/);
  });

  it("given a gateway error, when answered, then it is API Gateway's JSON message", () => {
    const answer = gatewayAnswer(404, 'Not Found');

    expect(answer.statusCode).toBe(404);
    expect(answer.headers).toEqual({ 'content-type': 'application/json' });
    expect(answer.body.toString('utf8')).toBe('{"message":"Not Found"}');
  });
});
