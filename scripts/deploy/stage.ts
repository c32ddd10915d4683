import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';

/**
 * A stage name AWS can carry in every resource name (`qdn-<stage>-…`, buckets included). `local` is the
 * local cloud's and is never deployed.
 */
export function checkStage(stage: string | undefined, option = '--stage'): string {
  if (!stage) throw new UsageError(`${option} is required (e.g. ${option} staging)`);
  if (!/^[a-z][a-z0-9-]{1,19}$/.test(stage))
    throw new UsageError(`${option} ${stage}: lower-case letters, digits and '-', 2–20 characters`);
  if (stage === 'local') throw new UsageError(`${option} local is the local cloud's stage (npm start)`);
  return stage;
}

/** A mistake in how a command was called: printed without a stack trace. */
export class UsageError extends Error {}

/** Parses a CLI's options; unknown options are a usage error, not a crash. */
export function parseOptions<T extends ParseArgsOptionsConfig>(options: T) {
  try {
    return parseArgs({ options, allowPositionals: false, args: process.argv.slice(2), strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Runs a CLI's main: usage errors and refusals print one line and exit 1; anything else its stack. */
export function runCli(main: () => Promise<number | undefined>): void {
  main().then(
    (code) => process.exit(code ?? 0),
    (error: unknown) => {
      if (error instanceof UsageError) console.error(`✖ ${error.message}`);
      else console.error(error);
      process.exit(1);
    },
  );
}
