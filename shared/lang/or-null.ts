// Optional fields of a peer's answer as the gateway's answers carry them: present, or null (never left out).

/** `keys` of `source`, each as it is or null when absent. */
export function orNull<T extends object, K extends keyof T>(
  source: T,
  ...keys: K[]
): { [P in K]-?: Exclude<T[P], undefined> | null } {
  return Object.fromEntries(keys.map((key) => [key, source[key] ?? null])) as {
    [P in K]-?: Exclude<T[P], undefined> | null;
  };
}
