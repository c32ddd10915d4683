import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Raised for problems a person must fix (Java missing, a port taken), with a message that says how. */
export class LocalCloudSetupError extends Error {
  override name = 'LocalCloudSetupError';
}

/** Java 17+ runs DynamoDB Local; say so plainly when it is missing or too old. */
export function requireJava17(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error) {
    throw new LocalCloudSetupError(
      'Java 17 or newer is needed to run DynamoDB Local, and `java` was not found. Install it (e.g. `apt-get install openjdk-17-jre-headless`).',
    );
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  const major = match ? Number(match[1] === '1' ? match[2] : match[1]) : 0;
  if (major < 17) {
    throw new LocalCloudSetupError(
      `Java 17 or newer is needed to run DynamoDB Local; found Java ${major || 'unknown'}.`,
    );
  }
}

/** Resolves with a free loopback port (or checks that `port` is free), naming the variable to change if not. */
export function ensurePortFree(port: number, variable: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new LocalCloudSetupError(
              `Port ${port} is already in use (another \`npm start\`?). Stop it, or set ${variable} to another port.`,
            )
          : error,
      );
    });
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as { port: number };
      server.close(() => resolve(bound));
    });
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

interface PidFile {
  pid: number;
  children: { pid: number; marker: string }[];
}

/**
 * The pidfile in the data dir: who runs this data dir and which child processes it started. A start
 * that finds one left by a run that was killed (kill -9 leaves DynamoDB Local's JVM behind) ends
 * those processes first — checking each one's command line, so a reused pid is never killed.
 */
export class PidFileGuard {
  readonly #file: string;
  readonly #state: PidFile = { pid: process.pid, children: [] };

  constructor(file: string) {
    this.#file = file;
  }

  /** Ends what a dead earlier run left; refuses if a live run still owns the data dir. */
  async takeOver(): Promise<string[]> {
    const ended: string[] = [];
    if (existsSync(this.#file)) {
      let previous: PidFile | undefined;
      try {
        previous = JSON.parse(readFileSync(this.#file, 'utf8')) as PidFile;
      } catch {
        previous = undefined;
      }
      if (
        previous &&
        previous.pid !== process.pid &&
        isAlive(previous.pid) &&
        /local|start/.test(commandLine(previous.pid))
      ) {
        throw new LocalCloudSetupError(
          `Another local cloud (pid ${previous.pid}) is using this data dir. Stop it first, or set QDN_DATA_DIR.`,
        );
      }
      for (const child of previous?.children ?? []) {
        if (isAlive(child.pid) && commandLine(child.pid).includes(child.marker)) {
          process.kill(child.pid, 'SIGKILL');
          ended.push(`pid ${child.pid} (${child.marker})`);
        }
      }
      for (const child of previous?.children ?? []) {
        for (let waited = 0; isAlive(child.pid) && waited < 50; waited++)
          await new Promise((r) => setTimeout(r, 100));
      }
    }
    this.#write();
    return ended;
  }

  addChild(pid: number, marker: string): void {
    this.#state.children.push({ pid, marker });
    this.#write();
  }

  release(): void {
    rmSync(this.#file, { force: true });
  }

  #write(): void {
    writeFileSync(this.#file, JSON.stringify(this.#state));
  }
}
