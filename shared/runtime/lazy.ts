// Lazy construction for the composition root: nothing is built (no client, no I/O) until it is first read, then
// the one instance is kept for the life of the Lambda container.

/** Memoizes a factory: the value is built on first access only. */
export function lazy<T>(build: () => T): () => T {
  let built = false;
  let value: T | undefined;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value as T;
  };
}

/** One factory per property of T. */
export type LazyFactories<T> = { readonly [K in keyof T]: () => T[K] };

/**
 * An object whose properties are each built by their factory on first read, then kept. With `base`, the object
 * also has base's properties (its getters shared, not called), so a runtime can extend another one.
 */
export function lazyObject<T extends object, B extends object = object>(factories: LazyFactories<T>, base?: B): B & T {
  const target = Object.defineProperties({}, base ? Object.getOwnPropertyDescriptors(base) : {});
  for (const [key, factory] of Object.entries(factories) as [string, () => unknown][]) {
    Object.defineProperty(target, key, { get: lazy(factory), enumerable: true, configurable: false });
  }
  return target as B & T;
}
