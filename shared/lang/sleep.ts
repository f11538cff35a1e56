// The one real sleep; code that waits (retry backoff, lease polling) takes `sleep` injected and defaults to this,
// so tests pass a recording fake instead of waiting.
export type Sleep = (ms: number) => Promise<void>;

export const sleep: Sleep = (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms));
