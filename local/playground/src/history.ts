// The call list survives the sign-in and logout redirects: every record is kept (tokens shortened) in
// sessionStorage, newest last, and shown again when the page comes back.
import type { CallRecord } from './call.js';
import { redactTokens } from './view.js';

const HISTORY_KEY = 'playground.calls';
const KEPT = 40;

/** The kept records, oldest first. */
export function loadHistory(): CallRecord[] {
  try {
    const saved: unknown = JSON.parse(sessionStorage.getItem(HISTORY_KEY) ?? '[]');
    return Array.isArray(saved) ? (saved as CallRecord[]).filter((item) => typeof item?.id === 'number') : [];
  } catch {
    return [];
  }
}

/** Adds a record (its tokens shortened), keeping the newest KEPT. */
export function remember(record: CallRecord): void {
  const kept: CallRecord = {
    ...record,
    requestHeaders: redactTokens(record.requestHeaders) as Record<string, string>,
    ...(record.requestBody === undefined ? {} : { requestBody: redactTokens(record.requestBody) }),
    ...(record.responseBody === undefined ? {} : { responseBody: redactTokens(record.responseBody) }),
  };
  const history = [...loadHistory(), kept].slice(-KEPT);
  try {
    sessionStorage.setItem(HISTORY_KEY, JSON.stringify(history));
  } catch {
    // Storage full: the list on screen is still complete.
  }
}
