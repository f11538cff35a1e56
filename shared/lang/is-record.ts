// The one "is this a JSON-style object" guard, for reading untrusted JSON: arrays and null are not records.
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
