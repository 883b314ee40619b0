/** The "alias" / "plain" tag shown wherever a request's route appears. */
import type { RouteEntry } from '../src/engine/routing';
import { h } from './dom';

export function routeKind(route: RouteEntry | undefined): 'alias' | 'plain' | 'none' {
  if (!route) return 'none';
  return route.viaAlias ? 'alias' : 'plain';
}

/** Short wording for screen readers and row labels. */
export function routeSummary(route: RouteEntry | undefined): string {
  const kind = routeKind(route);
  if (kind === 'alias') return 'via mTLS alias';
  if (kind === 'plain') return 'via plain URL';
  return 'no routing decision';
}

/** The tooltip of the tag for an exchange without a route. */
export const NO_ROUTE_REASON =
  'Discovery documents are fetched from the URL given, with no routing decision.';

/**
 * A tag whose tooltip is the route's reason sentence. Exchanges without a route (metadata
 * documents) get a dash, with a tooltip that says why.
 */
export function routeTag(route: RouteEntry | undefined): HTMLElement {
  const kind = routeKind(route);
  const reason = route?.reason ?? NO_ROUTE_REASON;
  const text = kind === 'none' ? '—' : kind;
  return h('span', { class: `tag route-${kind}`, 'data-tip': reason }, text);
}
