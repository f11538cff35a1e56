// The placeholders `brand init` writes for what discovery cannot tell (client ids, the Capillary org and account,
// the credentials): a brand still carrying one is refused by validate and put, naming each field, so a file fresh
// from init can never be saved as an active brand.

/** Every placeholder starts with this (`REPLACE_WITH_CIAM_CLIENT_ID`, `REPLACE_WITH_CAPILLARY_SECRET`, ...). */
export const PLACEHOLDER_PREFIX = 'REPLACE_WITH_';

export interface PlaceholderIssue {
  /** Dotted path of the field, e.g. `secrets.capillary.key`. */
  field: string;
  message: string;
}

/** Each field of `body` (nested objects and lists included) whose text still holds an init placeholder. */
export function findPlaceholders(body: unknown, path = ''): PlaceholderIssue[] {
  if (typeof body === 'string') {
    const at = body.indexOf(PLACEHOLDER_PREFIX);
    if (at < 0) return [];
    const placeholder = /^[A-Z0-9_]+/.exec(body.slice(at))?.[0] ?? PLACEHOLDER_PREFIX;
    return [
      {
        field: path || '(root)',
        message: `still holds the placeholder ${placeholder} that brand init wrote: put the real value`,
      },
    ];
  }
  if (Array.isArray(body)) return body.flatMap((item, index) => findPlaceholders(item, `${path}[${index}]`));
  if (body !== null && typeof body === 'object') {
    return Object.entries(body).flatMap(([key, value]) => findPlaceholders(value, path ? `${path}.${key}` : key));
  }
  return [];
}
