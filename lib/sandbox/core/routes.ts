// Method + path -> operation, for every API module's route table. In a table the fixed path
// (V1's /authentication/feedback) is listed before the parametrised one (/authentication/{id}),
// as OpenAPI path matching requires: the first route whose pattern matches decides.

export interface Route<Op extends string> {
  pattern: RegExp;
  method: 'GET' | 'POST';
  operation: Op;
}

export type RouteMatch<Op extends string> =
  | { operation: Op; method: 'GET' | 'POST'; param: string }
  | { status: 404 }
  | { status: 405; allow: string };

/** The route of `routes` for method + path; `param` is the raw path parameter, else `''`. */
export function matchIn<Op extends string>(routes: readonly Route<Op>[], method: string, pathname: string): RouteMatch<Op> {
  for (const route of routes) {
    const m = route.pattern.exec(pathname);
    if (!m) continue;
    if (method !== route.method) return { status: 405, allow: route.method };
    return { operation: route.operation, method: route.method, param: m[1] ?? '' };
  }
  return { status: 404 };
}
