// Reads a JWT's payload for display. The page never trusts it: the gateway verifies every token it gets.

function decodeSegment(segment: string): unknown {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** The claims of a compact JWS, or undefined when the token is not a readable JWT. */
export function readJwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const payload = decodeSegment(parts[1]);
    return payload !== null && typeof payload === 'object' && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A token shortened for the screen: enough to tell tokens apart, not enough to replay. */
export function shortenToken(token: string): string {
  return token.length <= 24 ? token : `${token.slice(0, 16)}…${token.slice(-6)} (${token.length} chars)`;
}
