/**
 * Checks of the parameters of a run started from the inspector's "New run" view. The webview runs
 * them to mark the field at fault before sending, and the host runs them again before it starts
 * the run, because it trusts nothing the webview sends. No DOM and no Node imports.
 */
import { RESPONSE_MODES, type FlowKind, type FlowRunParameters } from './inspectorProtocol';

/** A parameter that cannot be sent, named as the request would name it. */
export interface ParameterProblem {
  field: string;
  message: string;
}

/** Flows that send an authorization request, where prompt, claims and response_mode apply. */
export function isAuthorizationFlow(flow: FlowKind): boolean {
  return flow === 'authorizationCode';
}

/** Flows that send a token given by the user (introspection, revocation, UserInfo). */
export function sendsToken(flow: FlowKind): boolean {
  return flow === 'introspection' || flow === 'revocation' || flow === 'userinfo';
}

function parseJson(text: string, field: string): { value: unknown } | { problem: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { problem: `${field} is not valid JSON: ${reason}` };
  }
}

/**
 * Checks the `claims` request parameter: a JSON object (OpenID Connect Core 1.0, section 5.5).
 * Returns the problem as a sentence, or undefined when the text is valid.
 */
export function checkClaims(text: string): string | undefined {
  const parsed = parseJson(text, 'claims');
  if ('problem' in parsed) return parsed.problem;
  const value = parsed.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return 'claims must be a JSON object, such as {"id_token": {"acr": null}}.';
  }
  return undefined;
}

/**
 * Checks the `authorization_details` parameter: a JSON array of objects that each have a string
 * `type` (RFC 9396, section 2). Returns the problem as a sentence, or undefined.
 */
export function checkAuthorizationDetails(text: string): string | undefined {
  const parsed = parseJson(text, 'authorization_details');
  if ('problem' in parsed) return parsed.problem;
  const value = parsed.value;
  if (!Array.isArray(value)) {
    return 'authorization_details must be a JSON array of objects, such as [{"type": "payment"}].';
  }
  const index = value.findIndex(
    (entry) =>
      entry === null ||
      typeof entry !== 'object' ||
      Array.isArray(entry) ||
      typeof (entry as { type?: unknown }).type !== 'string',
  );
  if (index >= 0) {
    return `authorization_details entry ${index + 1} must be an object with a string "type".`;
  }
  return undefined;
}

/** Checks one RFC 8707 resource indicator: an absolute URI without a fragment. */
export function checkResource(uri: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    return `resource ${JSON.stringify(uri)} is not an absolute URI.`;
  }
  if (parsed.hash !== '' || uri.includes('#')) {
    return `resource ${JSON.stringify(uri)} must not contain a fragment (#).`;
  }
  return undefined;
}

/** Extra rows whose value must be JSON, with the check for each. */
const JSON_PARAMETERS: Record<string, (text: string) => string | undefined> = {
  claims: checkClaims,
  authorization_details: checkAuthorizationDetails,
};

/**
 * Checks the parameters of a run: resource URIs, the response mode, and the JSON of `claims` and
 * `authorization_details` rows. Returns every problem found, in field order.
 */
export function checkFlowParameters(
  flow: FlowKind,
  parameters: FlowRunParameters,
): ParameterProblem[] {
  const problems: ParameterProblem[] = [];
  if (parameters.serverId.length === 0) {
    problems.push({ field: 'server', message: 'Choose a server.' });
  }
  if (parameters.client_id.length === 0) {
    problems.push({ field: 'client_id', message: 'Choose a client.' });
  }
  for (const uri of parameters.resource ?? []) {
    const problem = checkResource(uri);
    if (problem) problems.push({ field: 'resource', message: problem });
  }
  const mode = parameters.response_mode;
  if (mode !== undefined && !(RESPONSE_MODES as readonly string[]).includes(mode)) {
    problems.push({
      field: 'response_mode',
      message: `response_mode ${JSON.stringify(mode)} is not one of ${RESPONSE_MODES.join(', ')}.`,
    });
  }
  if (mode !== undefined && !isAuthorizationFlow(flow)) {
    problems.push({
      field: 'response_mode',
      message: 'response_mode applies only to the authorization code flow.',
    });
  }
  for (const [name, value] of parameters.extra ?? []) {
    const check = JSON_PARAMETERS[name];
    const problem = check?.(value);
    if (problem) problems.push({ field: name, message: problem });
  }
  if (parameters.token !== undefined && !sendsToken(flow)) {
    problems.push({
      field: 'token',
      message: 'Only introspection, revocation and UserInfo send a token.',
    });
  }
  return problems;
}
