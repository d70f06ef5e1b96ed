// Collects the uncaught exceptions thrown while `run` runs (and a few turns of the event loop
// after it), instead of letting them fail the test run. For app code that throws inside a Passport
// action: the strategy rethrows that outside its promise, as any Express handler would surface it.
export async function catchUncaught(run: () => Promise<void>, expected = 1): Promise<unknown[]> {
  const caught: unknown[] = [];
  const saved = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  const collect = (err: unknown): void => {
    caught.push(err);
  };
  process.on('uncaughtException', collect);
  try {
    await run();
    // The rethrow is queued on process.nextTick; give it a few turns to land.
    for (let i = 0; i < 20 && caught.length < expected; i++) await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('uncaughtException', collect);
    for (const listener of saved) process.on('uncaughtException', listener);
  }
  return caught;
}
