// Error helpers shared by the client and HTTP-layer suites.
import { inspect } from 'node:util';
import { expect } from 'vitest';

/** The error `p` rejects with; the test fails if it resolves. */
export async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

/** Everything an app could log or serialise from an error, cause chain included. */
export function everythingIn(err: unknown): string {
  const parts: string[] = [inspect(err, { depth: 10, showHidden: true })];
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    parts.push(String(e), e.stack ?? '', JSON.stringify(e, Object.getOwnPropertyNames(e)));
  }
  return parts.join('\n');
}
