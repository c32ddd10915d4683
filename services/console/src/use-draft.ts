import { useSignal } from '@preact/signals';

const PREFIX = 'qdn.draft.';

/**
 * What the user is typing, kept in sessionStorage as they type: a session that ends (401 → sign in
 * again) or a reload loses nothing. `clear()` once it has been sent or saved.
 */
export function useDraft<T extends object>(key: string, initial: T) {
  const stored = sessionStorage.getItem(PREFIX + key);
  const state = useSignal<T>(stored ? { ...initial, ...(JSON.parse(stored) as T) } : initial);
  const dirty = useSignal(stored !== null);
  return {
    get value(): T {
      return state.value;
    },
    set value(next: T) {
      state.value = next;
      dirty.value = true;
      sessionStorage.setItem(PREFIX + key, JSON.stringify(next));
    },
    get dirty(): boolean {
      return dirty.value;
    },
    clear() {
      dirty.value = false;
      sessionStorage.removeItem(PREFIX + key);
    },
  };
}
