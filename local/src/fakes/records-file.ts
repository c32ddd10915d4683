// What a fake recorded (the SMS outbox, SCC events, calendar entries, the requests they saw), kept in one
// JSON file in the local cloud's data dir, so a restart shows the same history as the jobs and
// timelines it belongs to. An empty outbox after a restart, next to jobs that were texted, looks like
// lost messages.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface RecordsFile<T> {
  /** What was saved last, or undefined (no file given, none yet, or unreadable: the fake starts empty). */
  load(): T | undefined;
  /** The records changed: they are written within `delayMs`, one write for a burst of changes. */
  changed(): void;
  /** Writes now if anything changed since the last write (on close). */
  flush(): void;
}

/**
 * A fake's records file. `snapshot` is called when writing, so it sees every change made until then.
 * At most one write a second: the fakes share the local cloud's one event loop with the emulators, and
 * a busy outbox is worth a snapshot, not a write per message; a crash loses at most the last second.
 * Writes go to a temporary file renamed over the old one: a `kill -9` mid-write leaves the previous
 * version, never half a file. Without a `file` (a fake made on its own in a test) nothing is written.
 */
export function createRecordsFile<T>(
  file: string | undefined,
  snapshot: () => T,
  delayMs = 1000,
): RecordsFile<T> {
  let timer: NodeJS.Timeout | undefined;
  let dirty = false;

  function write(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!file || !dirty) return;
    dirty = false;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(snapshot()));
    renameSync(`${file}.tmp`, file);
  }

  return {
    load() {
      if (!file) return undefined;
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as T;
      } catch {
        return undefined;
      }
    },
    changed() {
      if (!file) return;
      dirty = true;
      if (timer) return;
      timer = setTimeout(write, delayMs);
      // A pending write never keeps a process (or jest) alive; close() flushes it.
      timer.unref();
    },
    flush: write,
  };
}
