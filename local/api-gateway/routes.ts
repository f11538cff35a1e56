// Route matching: the paths of shared/routes.ts compiled to matchers, and which route (if any) a request hits.
import { compileRoutePath, type RouteDefinition } from '../../shared/routes.js';

export type PathParameters = Record<string, string>;

/** Compiles a route path with `{param}` segments into a matcher returning the decoded parameters (the one in shared/routes.ts). */
export const compileRoute: (path: string) => (requestPath: string) => PathParameters | undefined = compileRoutePath;

interface CompiledRoute {
  route: RouteDefinition;
  match: (path: string) => PathParameters | undefined;
}

export interface RouteLookup {
  /** The route of this path and method, with its path parameters. */
  hit?: { route: RouteDefinition; params: PathParameters };
  /** Every route of this path, whatever its method (for OPTIONS and 405). */
  candidates: RouteDefinition[];
  /** The method routes are looked up with: HEAD is answered like GET. */
  routeMethod: string;
}

/** Compiles a route table once; the returned function looks a request up in it. */
export function routeTable(routes: readonly RouteDefinition[]): (method: string, path: string) => RouteLookup {
  const compiled: CompiledRoute[] = routes.map((route) => ({ route, match: compileRoute(route.path) }));
  return (method, path) => {
    const candidates = compiled
      .map((entry) => ({ entry, params: entry.match(path) }))
      .filter((c) => c.params !== undefined);
    // HEAD is answered like GET, headers only (the body is dropped when the answer is written).
    const routeMethod = method === 'HEAD' ? 'GET' : method;
    const found = candidates.find((c) => c.entry.route.method === routeMethod);
    return {
      ...(found ? { hit: { route: found.entry.route, params: found.params ?? {} } } : {}),
      candidates: candidates.map((c) => c.entry.route),
      routeMethod,
    };
  };
}

/** The `Allow` header of a 405: the methods of the path's routes, plus HEAD where GET is. */
export function allowedMethods(candidates: readonly RouteDefinition[]): string {
  const allowed = new Set<string>(candidates.map((route) => route.method));
  const allow: string[] = [...allowed];
  if (allowed.has('GET')) allow.push('HEAD');
  return allow.join(', ');
}
