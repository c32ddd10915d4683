import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, jest } from '@jest/globals';
import { openAppendLog, readLog, writeFileAtomic } from '../../src/eventbridge/store.ts';

const folder = mkdtempSync(join(tmpdir(), 'eventbridge-store-'));
let fileNumber = 0;

function givenLogFile(contents: string | Buffer): string {
  fileNumber += 1;
  const path = join(folder, `log-${fileNumber}.ndjson`);
  writeFileSync(path, contents);
  return path;
}

afterAll(() => rmSync(folder, { recursive: true, force: true }));
afterEach(() => {
  jest.restoreAllMocks();
});

describe('append-only logs', () => {
  it('given a log whose last line was torn by a crash, when opened, then the torn bytes are cut and the next append starts a clean line', () => {
    jest.spyOn(console, 'warn').mockImplementation(() => {});
    const path = givenLogFile('{"n":1}\n{"n":2}\n{"n":3, "tex');

    const { log, contents } = openAppendLog(path);
    log.append('{"n":4}');
    log.close();

    expect(contents.lines.map((line) => line.record)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(readFileSync(path, 'utf8')).toBe('{"n":1}\n{"n":2}\n{"n":4}\n');
  });

  it('given a torn multi-byte character at the end, when opened, then the cut happens on the byte boundary of the last line', () => {
    jest.spyOn(console, 'warn').mockImplementation(() => {});
    const complete = Buffer.from('{"name":"José"}\n');
    const torn = Buffer.from('{"name":"Zoë"}').subarray(0, 12);
    const path = givenLogFile(Buffer.concat([complete, torn]));

    const { log, contents } = openAppendLog(path);
    log.close();

    expect(contents.lines.map((line) => line.record)).toEqual([{ name: 'José' }]);
    expect(readFileSync(path)).toEqual(complete);
  });

  it('given a complete last record without its newline, when opened, then it is kept and the newline is added', () => {
    const path = givenLogFile('{"n":1}\n{"n":2}');

    const { log, contents } = openAppendLog(path);
    log.append('{"n":3}');
    log.close();

    expect(contents.lines.map((line) => line.record)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(readFileSync(path, 'utf8')).toBe('{"n":1}\n{"n":2}\n{"n":3}\n');
  });

  it('given an unreadable line in the middle, when read, then it is skipped but still counted so line indexes stay stable', () => {
    jest.spyOn(console, 'warn').mockImplementation(() => {});
    const path = givenLogFile('{"n":1}\ngarbage\n{"n":3}\n');

    const contents = readLog(path);
    const fromSecond = readLog(path, 2);

    expect(contents.lines).toEqual([
      { index: 0, record: { n: 1 } },
      { index: 2, record: { n: 3 } },
    ]);
    expect(fromSecond.lines).toEqual([{ index: 2, record: { n: 3 } }]);
  });

  it('given a log, when cleared or rewritten, then only the kept records remain and appends continue after them', () => {
    const path = givenLogFile('');
    const { log } = openAppendLog(path);
    log.append('{"n":1}');
    log.append('{"n":2}');

    log.rewrite(['{"n":2}']);
    log.append('{"n":3}');
    const afterRewrite = readFileSync(path, 'utf8');
    log.clear();
    log.append('{"n":4}');
    log.close();

    expect(afterRewrite).toBe('{"n":2}\n{"n":3}\n');
    expect(readFileSync(path, 'utf8')).toBe('{"n":4}\n');
    expect(log.sizeBytes()).toBe(8);
  });

  it('given no file yet, when read, then it is empty', () => {
    expect(readLog(join(folder, 'absent.ndjson')).lines).toEqual([]);
  });
});

describe('state files', () => {
  it('when written atomically, then the new contents replace the old and no temporary file is left behind', () => {
    const dir = join(folder, 'state');
    const path = join(dir, 'state.json');

    writeFileAtomic(path, '{"version":1}');
    writeFileAtomic(path, '{"version":2}');

    expect(readFileSync(path, 'utf8')).toBe('{"version":2}');
    expect(readdirSync(dir)).toEqual(['state.json']);
    expect(existsSync(`${path}.tmp-${process.pid}`)).toBe(false);
  });
});
