/** The Temporal Web UI page of one workflow. */
export function workflowUiUrl(webUiUrl: string, namespace: string, workflowId: string): string {
  return `${webUiUrl.replace(/\/+$/, '')}/namespaces/${pathSegment(namespace)}/workflows/${pathSegment(workflowId)}`;
}

/** The Temporal Web UI list of workflows matching a visibility query. */
export function workflowListUiUrl(webUiUrl: string, namespace: string, query: string): string {
  return `${webUiUrl.replace(/\/+$/, '')}/namespaces/${pathSegment(namespace)}/workflows?query=${encodeURIComponent(query)}`;
}

/** The Temporal Web UI page of one schedule. */
export function scheduleUiUrl(webUiUrl: string, namespace: string, scheduleId: string): string {
  return `${webUiUrl.replace(/\/+$/, '')}/namespaces/${pathSegment(namespace)}/schedules/${pathSegment(scheduleId)}`;
}

/** Encoded for a URL path, keeping `:` (legal in a path segment) so `cash-in:ref-1` stays readable. */
function pathSegment(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ':');
}
