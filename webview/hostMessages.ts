/**
 * Structural checks of messages from the extension host. The host is trusted, but a message of an
 * unknown shape (an older or newer host, a bug) must be ignored instead of breaking the page, so
 * every member the renderers rely on is checked here.
 */
import type { RecordedExchange } from '../src/engine/exchange';
import type { FlowStep } from '../src/engine/flowRun';
import type { HostMessage, RunSnapshot } from '../src/shared/inspectorProtocol';

type Json = Record<string, unknown>;

const RUN_STATUSES = new Set(['running', 'done', 'failed', 'cancelled']);
const STEP_STATUSES = new Set(['running', 'done', 'failed']);

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function isOptional<T>(value: unknown, check: (value: unknown) => value is T): boolean {
  return value === undefined || check(value);
}

function isArrayOf<T>(value: unknown, check: (item: unknown) => item is T): value is T[] {
  return Array.isArray(value) && value.every(check);
}

function isHeaderPair(value: unknown): value is [string, string] {
  return Array.isArray(value) && value.length === 2 && isString(value[0]) && isString(value[1]);
}

function isBody(value: unknown): boolean {
  return (
    isObject(value) &&
    isString(value.text) &&
    isArrayOf(value.redacted, isString) &&
    isOptional(value.contentType, isString)
  );
}

function isHttpPart(value: unknown): value is Json {
  return (
    isObject(value) &&
    isArrayOf(value.headers, isHeaderPair) &&
    (value.body === undefined || isBody(value.body))
  );
}

function isRoute(value: unknown): boolean {
  return (
    isObject(value) &&
    isString(value.endpoint) &&
    isString(value.reason) &&
    typeof value.viaAlias === 'boolean' &&
    typeof value.presentsCertificate === 'boolean'
  );
}

export function isExchange(value: unknown): value is RecordedExchange {
  if (!isObject(value)) return false;
  const response = value.response;
  return (
    isString(value.id) &&
    isString(value.endpoint) &&
    isString(value.method) &&
    isString(value.url) &&
    isString(value.startedAt) &&
    typeof value.durationMs === 'number' &&
    (value.route === undefined || isRoute(value.route)) &&
    isHttpPart(value.request) &&
    (response === undefined || (isHttpPart(response) && typeof response.status === 'number')) &&
    (value.error === undefined || (isObject(value.error) && isString(value.error.message))) &&
    (value.tls === undefined || isObject(value.tls))
  );
}

export function isStep(value: unknown): value is FlowStep {
  return (
    isObject(value) &&
    typeof value.index === 'number' &&
    Number.isInteger(value.index) &&
    value.index >= 0 &&
    isString(value.title) &&
    STEP_STATUSES.has(value.status as string) &&
    isString(value.startedAt)
  );
}

function isToken(value: unknown): boolean {
  return (
    isObject(value) &&
    isString(value.label) &&
    isString(value.token) &&
    isObject(value.verification) &&
    isString(value.verification.status) &&
    (value.decoded === undefined || (isObject(value.decoded) && isString(value.decoded.format)))
  );
}

export function isRunSnapshot(value: unknown): value is RunSnapshot {
  return (
    isObject(value) &&
    isString(value.id) &&
    isString(value.title) &&
    isString(value.serverLabel) &&
    isString(value.issuer) &&
    isString(value.client_id) &&
    isString(value.startedAt) &&
    RUN_STATUSES.has(value.status as string) &&
    (value.error === undefined || (isObject(value.error) && isString(value.error.message))) &&
    Array.isArray(value.routes) &&
    value.routes.every(isRoute) &&
    isArrayOf(value.steps, isStep) &&
    isArrayOf(value.exchanges, isExchange) &&
    Array.isArray(value.tokens) &&
    value.tokens.every(isToken) &&
    (value.result === undefined || isObject(value.result))
  );
}

/** Returns the message typed when its shape is one the inspector can render, else undefined. */
export function parseHostMessage(value: unknown): HostMessage | undefined {
  if (!isObject(value)) return undefined;
  switch (value.type) {
    case 'snapshot':
      return isArrayOf(value.runs, isRunSnapshot) && isOptional(value.selectedRunId, isString)
        ? (value as HostMessage)
        : undefined;
    case 'runStarted':
    case 'runFinished':
      return isRunSnapshot(value.run) ? (value as HostMessage) : undefined;
    case 'exchangeAdded':
      return isString(value.runId) && isExchange(value.exchange)
        ? (value as HostMessage)
        : undefined;
    case 'stepUpdated':
      return isString(value.runId) && isStep(value.step) ? (value as HostMessage) : undefined;
    case 'selectRun':
      return isString(value.runId) ? (value as HostMessage) : undefined;
    case 'response':
      return isString(value.requestId) && typeof value.ok === 'boolean'
        ? (value as HostMessage)
        : undefined;
    default:
      return undefined;
  }
}
