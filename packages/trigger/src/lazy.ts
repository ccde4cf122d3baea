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
