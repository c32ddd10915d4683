import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { InvokeReply, InvokeRequest, WorkerSetup } from './worker.ts';

/** A function as the local cloud runs it. */
export interface LocalFunction {
  /** `<service>.<function>`, e.g. `notifications.sms`. */
  key: string;
  name: string;
  handlerFile: string;
  handlerExport: string;
  timeoutSeconds: number;
  memorySizeMb: number;
  environment: Record<string, string>;
  /** Most execution environments at once (Lambda concurrency). */
  maxConcurrency: number;
}

export class FunctionError extends Error {
  readonly errorType: string;
  constructor(errorType: string, message: string, stack?: string) {
    super(message);
    this.name = 'FunctionError';
    this.errorType = errorType;
    if (stack) this.stack = stack;
  }
}

interface Environment {
  worker: Worker;
  ready: Promise<void>;
  busy: boolean;
}

export interface InvocationLog {
  functionKey: string;
  requestId: string;
  ms: number;
  /** When the invocation was asked for, when its handler got the event, when it ended (epoch ms). */
  calledAt: number;
  startedAt: number;
  endedAt: number;
  coldStart: boolean;
  outcome: 'ok' | 'error' | 'timeout';
  errorType?: string;
  /** The event, kept in memory for tests and the control API. */
  event: unknown;
}

/**
 * The runtime every worker thread runs (worker.ts). Clouds that bundle their handlers run it bundled too
 * (FunctionPool's `workerFile`): a worker thread type-stripping it took 40–50 ms of each cold start.
 */
export const workerSource = fileURLToPath(new URL('./worker.ts', import.meta.url));
/** V8's compiled code for the workers' modules, kept between cold starts and runs (see worker.ts). */
const compileCacheDir = fileURLToPath(new URL('../../../.cache/node-compile-cache', import.meta.url));

/**
 * The execution environments of one function: worker threads, each with the function's own
 * environment variables, started on demand (a cold start) and reused; at most `maxConcurrency` at
 * once, further invocations wait. A timeout ends the environment, as Lambda does, and the next
 * invocation gets a fresh one.
 */
export class FunctionPool {
  readonly fn: LocalFunction;
  readonly #environments: Environment[] = [];
  readonly #waiting: (() => void)[] = [];
  readonly #onLog: ((entry: InvocationLog) => void) | undefined;
  readonly #onOutput: ((functionKey: string, chunk: string) => void) | undefined;
  readonly #workerFile: string;
  #nextId = 1;
  #closed = false;
  #invocations = 0;

  constructor(
    fn: LocalFunction,
    hooks: {
      onLog?: (entry: InvocationLog) => void;
      onOutput?: (functionKey: string, chunk: string) => void;
      /** The runtime's file: worker.ts itself, or its bundle (see workerSource). */
      workerFile?: string;
    } = {},
  ) {
    this.fn = fn;
    this.#workerFile = hooks.workerFile ?? workerSource;
    this.#onLog = hooks.onLog;
    this.#onOutput = hooks.onOutput;
  }

  #start(): Environment {
    const setup: WorkerSetup = {
      handlerFile: this.fn.handlerFile,
      handlerExport: this.fn.handlerExport,
      functionName: this.fn.name,
      memorySizeMb: this.fn.memorySizeMb,
      region: this.fn.environment.AWS_REGION ?? 'us-west-2',
      account: '000000000000',
      compileCacheDir,
    };
    const worker = new Worker(this.#workerFile, {
      workerData: setup,
      env: this.fn.environment,
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: Math.max(128, this.fn.memorySizeMb) },
    });
    const forward = (chunk: Buffer) => this.#onOutput?.(this.fn.key, chunk.toString('utf8'));
    worker.stdout.on('data', forward);
    worker.stderr.on('data', forward);
    const environment: Environment = {
      worker,
      busy: false,
      ready: new Promise((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
        worker.once('exit', (code) =>
          reject(new FunctionError('Runtime.ExitError', `${this.fn.key} exited (${code})`)),
        );
      }),
    };
    environment.ready.catch(() => undefined);
    worker.on('exit', () => this.#remove(environment));
    this.#environments.push(environment);
    return environment;
  }

  #remove(environment: Environment): void {
    const index = this.#environments.indexOf(environment);
    if (index >= 0) this.#environments.splice(index, 1);
    this.#release();
  }

  #release(): void {
    this.#waiting.shift()?.();
  }

  async #acquire(): Promise<{ environment: Environment; coldStart: boolean }> {
    for (;;) {
      if (this.#closed) throw new FunctionError('Runtime.Closed', 'the local cloud is stopping');
      const idle = this.#environments.find((environment) => !environment.busy);
      if (idle) {
        idle.busy = true;
        return { environment: idle, coldStart: false };
      }
      if (this.#environments.length < this.fn.maxConcurrency) {
        const environment = this.#start();
        environment.busy = true;
        return { environment, coldStart: true };
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
  }

  /** Invokes the function with an event and resolves with its result, or rejects with a FunctionError. */
  async invoke(event: unknown): Promise<unknown> {
    this.#invocations++;
    try {
      return await this.#invoke(event);
    } finally {
      this.#invocations--;
    }
  }

  /** Invocations under way, counting those waiting for an environment (what `LocalCloud.settled` waits out). */
  get inFlight(): number {
    return this.#invocations;
  }

  async #invoke(event: unknown): Promise<unknown> {
    const calledAt = Date.now();
    const { environment, coldStart } = await this.#acquire();
    const requestId = randomUUID();
    const started = performance.now();
    let startedAt = Date.now();
    const timeoutMs = this.fn.timeoutSeconds * 1000;
    let outcome: InvocationLog['outcome'] = 'ok';
    let errorType: string | undefined;
    try {
      await environment.ready;
      startedAt = Date.now();
      const id = this.#nextId++;
      const request: InvokeRequest = { id, event, requestId, deadline: Date.now() + timeoutMs };
      const reply = await new Promise<InvokeReply>((resolve, reject) => {
        const timer = setTimeout(() => {
          outcome = 'timeout';
          // Lambda ends a timed-out sandbox; so do we (out of the pool at once), and the next call cold-starts.
          this.#remove(environment);
          void environment.worker.terminate();
          reject(
            new FunctionError(
              'Sandbox.Timedout',
              `Task timed out after ${this.fn.timeoutSeconds.toFixed(2)} seconds`,
            ),
          );
        }, timeoutMs);
        const onMessage = (message: InvokeReply) => {
          if (message.id !== id) return;
          clearTimeout(timer);
          environment.worker.off('message', onMessage);
          environment.worker.off('exit', onExit);
          resolve(message);
        };
        const onExit = (code: number) => {
          clearTimeout(timer);
          reject(
            new FunctionError(
              'Runtime.ExitError',
              `${this.fn.key} exited with code ${code} during an invocation`,
            ),
          );
        };
        environment.worker.on('message', onMessage);
        environment.worker.once('exit', onExit);
        environment.worker.postMessage(request);
      });
      if (!reply.ok) {
        outcome = 'error';
        errorType = reply.error.errorType;
        throw new FunctionError(reply.error.errorType, reply.error.errorMessage, reply.error.stack);
      }
      return reply.result;
    } catch (error) {
      if (outcome === 'ok') outcome = 'error';
      errorType ??= (error as FunctionError).errorType ?? (error as Error).name;
      throw error;
    } finally {
      environment.busy = false;
      this.#release();
      this.#onLog?.({
        functionKey: this.fn.key,
        requestId,
        ms: performance.now() - started,
        calledAt,
        startedAt,
        endedAt: Date.now(),
        coldStart,
        outcome,
        errorType,
        event,
      });
    }
  }

  /** Starts one environment ahead of the first call, so the first request doesn't pay the cold start. */
  async warm(): Promise<void> {
    // Not once closing: npm start warms in the background, and a Ctrl-C can come first.
    if (this.#closed || this.#environments.length > 0) return;
    await this.#start().ready;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const release of this.#waiting.splice(0)) release();
    await Promise.all(this.#environments.map((environment) => environment.worker.terminate()));
  }
}
