/**
 * A value built on first use and kept. Constructing zod/mini schemas is most of what importing the
 * trigger bundle costs, so only the environment's schema is built at cold start; the others wait for
 * the first event that needs them (and the endpoints' and snapshot's never load in the trigger at all).
 * @example const schema = lazy(() => z.object({ email: z.string() })); z.parse(schema(), input);
 */
export function lazy<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
}

/**
 * A promise made on first use and kept once made; one that rejects is forgotten, so the next call tries
 * again (a directory briefly out of reach must not stay broken for the container's life).
 */
export function lazyUntilRejected<A extends unknown[], T>(
  make: (...args: A) => Promise<T>,
): (...args: A) => Promise<T> {
  let kept: Promise<T> | undefined;
  return (...args) => {
    if (kept === undefined) {
      const made = make(...args);
      made.catch(() => {
        if (kept === made) kept = undefined;
      });
      kept = made;
    }
    return kept;
  };
}
