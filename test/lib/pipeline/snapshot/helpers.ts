/** Small helpers the snapshot tests share. */
import {BonnieError} from '../../../../src/lib/base/errors.js';

/** The BonnieError `promise` rejects with (any other outcome fails the test). */
export async function rejectedBonnieError(promise: Promise<unknown>): Promise<BonnieError> {
  const error = await promise.then(
    () => new Error('expected a BonnieError'),
    (e: unknown) => e,
  );
  if (error instanceof BonnieError) return error;
  throw error;
}

/** Every item of an async iterable, in order. */
export async function collectAll<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
