// Two CPU-bound processes: the "busy build or test run beside it" that the start-up and packaging
// benchmarks measure against. Each burner is a plain spin loop in its own Node process, ended by stop().
import { spawn } from 'node:child_process';

export const BURNERS = 2;

export function startBurners(count = BURNERS): { stop(): Promise<void> } {
  const burners = Array.from({ length: count }, () =>
    spawn(process.execPath, ['-e', 'const end = Date.now() + 600000; while (Date.now() < end) {}'], {
      stdio: 'ignore',
    }),
  );
  return {
    async stop() {
      await Promise.all(
        burners.map(
          (burner) =>
            new Promise<void>((resolve) => {
              if (burner.exitCode !== null) return resolve();
              burner.once('exit', () => resolve());
              burner.kill('SIGKILL');
            }),
        ),
      );
    },
  };
}
