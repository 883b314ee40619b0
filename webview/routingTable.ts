/** The routing table of a run: where each endpoint is called, and why. */
import type { RouteEntry } from '../src/engine/routing';
import { h, type Child } from './dom';
import { routeTag } from './routeTag';

function urlCell(url: string | undefined): Child {
  return url ? h('span', { class: 'url' }, url) : h('span', { class: 'missing' }, '—');
}

export function renderRoutingTable(routes: readonly RouteEntry[]): HTMLElement {
  if (routes.length === 0)
    return h('p', { class: 'empty' }, 'No routing table: the run stopped before discovery.');
  const headings = [
    'Endpoint',
    'Plain URL',
    'Alias URL',
    'URL used',
    'Route',
    'Certificate',
    'Reason',
  ];
  const rows = routes.map((route) =>
    h(
      'tr',
      { 'data-endpoint': route.endpoint, class: route.url ? '' : 'unavailable' },
      h('th', { scope: 'row' }, route.endpoint),
      h('td', {}, urlCell(route.plainUrl)),
      h('td', {}, urlCell(route.aliasUrl)),
      h('td', {}, urlCell(route.url)),
      h('td', {}, route.url ? routeTag(route) : '—'),
      h(
        'td',
        { class: route.presentsCertificate ? 'cert-offered' : 'cert-none' },
        route.presentsCertificate ? 'offered' : 'not offered',
      ),
      h('td', { class: 'reason' }, route.reason),
    ),
  );
  return h(
    'table',
    { class: 'routing' },
    h('caption', { class: 'visually-hidden' }, 'Routing of each endpoint'),
    h('thead', {}, h('tr', {}, ...headings.map((text) => h('th', { scope: 'col' }, text)))),
    h('tbody', {}, ...rows),
  );
}
