import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

/**
 * File-system building blocks for the emulator's persistence.
 *
 * Two kinds of file, both safe against `kill -9`:
 * - state files are replaced whole through write-to-temp + fsync + rename, so a reader sees the old or the
 *   new version, never half of one;
 * - logs are append-only JSON lines written with one `write(2)` per line. Data handed to the kernel survives
 *   the death of the process (not a power cut: logs are not fsynced per line, which would cost milliseconds
 *   per event). A process killed mid-write leaves at most one torn last line, which opening the log cuts off.
 */

const NEWLINE = 0x0a;

/** Replaces `path` with `contents` so that a crash at any point leaves either the old or the new file. */
export function writeFileAtomic(path: string, contents: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporaryPath = `${path}.tmp-${process.pid}`;
  const fd = openSync(temporaryPath, 'w');
  try {
    writeSync(fd, contents);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporaryPath, path);
}

/** Parsed JSON of a state file, or undefined when it does not exist yet. */
export function readJsonFile(path: string): unknown {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8'));
}

export interface LogLine {
  /** 0-based position of the line in the log; stable because logs are only appended to. */
  index: number;
  record: unknown;
}

export interface LogContents {
  lines: LogLine[];
  /** Bytes up to the end of the last complete line; anything after it is a torn write. */
  completeBytes: number;
  /** True when the log ends with a complete record whose newline was not written. */
  missingFinalNewline: boolean;
  totalBytes: number;
}

/**
 * Reads a JSON-lines log, skipping what cannot be parsed. A line that does not parse in the middle of the log
 * is reported and skipped (it still counts as a line, so indexes stay stable); an unparseable last line
 * without a newline is a write torn by a crash and is left out of `completeBytes`.
 */
export function readLog(path: string, fromLine = 0): LogContents {
  if (!existsSync(path)) return { lines: [], completeBytes: 0, missingFinalNewline: false, totalBytes: 0 };
  const buffer = readFileSync(path);
  const lines: LogLine[] = [];
  let start = 0;
  let index = 0;
  let completeBytes = 0;
  let missingFinalNewline = false;
  while (start < buffer.length) {
    const newline = buffer.indexOf(NEWLINE, start);
    const end = newline === -1 ? buffer.length : newline;
    const isTail = newline === -1;
    if (end > start && (index >= fromLine || isTail)) {
      const record = parseLine(buffer.toString('utf8', start, end));
      if (record !== undefined) {
        if (index >= fromLine) lines.push({ index, record });
        if (isTail) missingFinalNewline = true;
      } else if (!isTail) {
        console.warn(`[eventbridge] skipping unreadable line ${index} of ${path}`);
      }
    }
    if (isTail) {
      // A tail that parses is a whole record that only lacks its newline: keep it.
      if (missingFinalNewline) completeBytes = buffer.length;
      break;
    }
    index += 1;
    start = newline + 1;
    completeBytes = start;
  }
  return { lines, completeBytes, missingFinalNewline, totalBytes: buffer.length };
}

function parseLine(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** An append-only JSON-lines file, open for the lifetime of the emulator. */
export interface AppendLog {
  readonly path: string;
  append(line: string): void;
  sizeBytes(): number;
  /** Empties the log; only safe when nothing in it is still needed. */
  clear(): void;
  /** Replaces the log's contents atomically (used to drop records that are no longer needed). */
  rewrite(lines: readonly string[]): void;
  close(): void;
}

/**
 * Opens (creating if needed) a log for appending, after cutting off a torn last line so the next append
 * starts on a fresh line. Returns the records it already holds.
 */
export function openAppendLog(path: string): { log: AppendLog; contents: LogContents } {
  mkdirSync(dirname(path), { recursive: true });
  const contents = readLog(path);
  if (contents.completeBytes < contents.totalBytes) {
    console.warn(
      `[eventbridge] cutting a torn last line (${contents.totalBytes - contents.completeBytes} bytes) off ${path}`,
    );
    truncateSync(path, contents.completeBytes);
  } else if (contents.missingFinalNewline) {
    appendFileSync(path, '\n');
  }
  let fd = openSync(path, 'a');
  let size = statSync(path).size;

  return {
    contents,
    log: {
      path,
      append: function appendLine(line: string): void {
        // One write per line: either the whole line reaches the kernel or a torn tail is cut at next open.
        size += writeSync(fd, `${line}\n`);
      },
      sizeBytes: function logSizeBytes(): number {
        return size;
      },
      clear: function clearLog(): void {
        truncateSync(path, 0);
        size = 0;
      },
      rewrite: function rewriteLog(lines: readonly string[]): void {
        closeSync(fd);
        writeFileAtomic(path, lines.map((line) => `${line}\n`).join(''));
        fd = openSync(path, 'a');
        size = statSync(path).size;
      },
      close: function closeLog(): void {
        if (fd === -1) return;
        closeSync(fd);
        fd = -1;
      },
    },
  };
}

export function removeFile(path: string): void {
  rmSync(path, { force: true });
}
