import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';

/**
 * Runs `poll` now and then every `intervalMs` while the component is shown (and the tab visible).
 * After a failure (a flaky connection) it keeps the last data on screen, says so, and retries with
 * backoff up to 4× the interval. Answers the last error (undefined when the last poll worked).
 */
export function usePolling(poll: () => Promise<void>, intervalMs: number, deps: unknown[] = []) {
  const error = useSignal<string | undefined>(undefined);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    const tick = async () => {
      if (stopped) return;
      if (document.visibilityState !== 'hidden') {
        try {
          await poll();
          failures = 0;
          error.value = undefined;
        } catch (caught) {
          failures++;
          error.value = (caught as Error).message;
        }
      }
      if (!stopped) timer = setTimeout(tick, intervalMs * Math.min(2 ** failures, 4));
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, deps);
  return error;
}
