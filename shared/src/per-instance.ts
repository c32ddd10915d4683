/*
 * How every service builds its dependencies (issue 21): once per function instance, on first use. A
 * Lambda environment serves many invocations, so clients, stores and the brand catalog are made on the
 * first and kept; nothing is built at import time beyond reading the configuration, so a function only
 * pays for what its code path uses.
 *
 * Module-level uses are marked `/* @__PURE__ *\/` (`export const s3Client = /* @__PURE__ *\/ perInstance(…)`):
 * esbuild cannot tell that the call has no side effect, and without the mark a bundle that imports the
 * module for something else would keep the SDK client it never makes.
 */

/** `build` on first call, the same value after. A build that throws is not kept. */
export function perInstance<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return function onFirstUse() {
    built ??= { value: build() };
    return built.value;
  };
}

/**
 * `build` on first call, the same promise after. A failed build (the brand catalog not readable from
 * SSM at a cold start) is not kept: the next invocation tries again instead of failing for the
 * environment's whole life.
 */
export function perInstanceAsync<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return function onFirstUse() {
    built ??= build().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return built;
  };
}
