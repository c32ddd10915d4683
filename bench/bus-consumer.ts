// The benchmark's consumer: a Lambda handler like any other (run in a worker thread by the local
// cloud's runtime) that does nothing but acknowledge, so the benchmark measures the plumbing.
export async function handler(event: { Records: unknown[] }) {
  return { batchItemFailures: [], received: event.Records.length };
}
