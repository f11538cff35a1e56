// The one fetch shape the gateway's outbound HTTP clients take (JWKS, userinfo, Capillary, save-time checks):
// a URL string and an init, answering a WHATWG Response. Clients take it injected, so tests pass loopback
// servers or fakes, and metrics can wrap it (instrumentCapillaryFetch).
export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;
