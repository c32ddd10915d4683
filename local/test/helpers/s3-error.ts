import { S3Error } from '../../src/s3-front/index.ts';

/** The S3Error a check throws; fails the test when it throws nothing or something else. */
export function rejection(run: () => unknown): S3Error {
  try {
    run();
  } catch (error) {
    if (error instanceof S3Error) return error;
    throw error;
  }
  throw new Error('expected an S3Error, nothing was thrown');
}
