/**
 * Structural checks of messages from the extension host. The host is trusted, but a message of an
 * unknown shape (an older or newer host, a bug) must be ignored instead of breaking the page, so
 * every member the renderers rely on is checked here. The one exception is the exchanges of a run:
 * a run may hold thousands, so isRunSnapshot checks only that they are a list, and the timeline
 * checks each one with isExchange when it first renders it.
 */
import type { RecordedExchange } from '../src/engine/exchange';
import type { FlowStep } from '../src/engine/flowRun';
import type { InspectedToken } from '../src/engine/tokens';
import type {
  CertificateScanStatus,
  HostMessage,
  RunSnapshot,
  ServerChoice,
} from '../src/shared/inspectorProtocol';

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

function isListOf(value: unknown, check: (item: unknown) => boolean): boolean {
  return Array.isArray(value) && value.every(check);
}

function isOptionalString(value: unknown): boolean {
  return value === undefined || isString(value);
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isHeaderPair(value: unknown): value is [string, string] {
  return Array.isArray(value) && value.length === 2 && isString(value[0]) && isString(value[1]);
}

function isBody(value: unknown): boolean {
  return (
    isObject(value) &&
    isString(value.text) &&
    isArrayOf(value.redacted, isString) &&
    isOptionalString(value.contentType)
  );
}

function isHttpPart(value: unknown): value is Json {
  return (
    isObject(value) &&
    isArrayOf(value.headers, isHeaderPair) &&
    (value.body === undefined || isBody(value.body))
  );
}

function isResponse(value: unknown): boolean {
  return (
    isHttpPart(value) &&
    isNumber(value.status) &&
    isString(value.statusText) &&
    isNumber(value.size)
  );
}

function isRoute(value: unknown): boolean {
  return (
    isObject(value) &&
    isString(value.endpoint) &&
    isString(value.reason) &&
    isOptionalString(value.plainUrl) &&
    isOptionalString(value.aliasUrl) &&
    isOptionalString(value.url) &&
    typeof value.viaAlias === 'boolean' &&
    typeof value.presentsCertificate === 'boolean'
  );
}

function isCertificate(value: unknown): boolean {
  return (
    isObject(value) &&
    isString(value.subject) &&
    isString(value.issuer) &&
    isString(value.validTo) &&
    isString(value.x5tS256)
  );
}

function isTls(value: unknown): boolean {
  return (
    isObject(value) &&
    (value.clientCertificate === undefined || isCertificate(value.clientCertificate)) &&
    (value.serverCertificate === undefined || isCertificate(value.serverCertificate)) &&
    isOptionalString(value.protocol)
  );
}

function isCodedError(value: unknown): boolean {
  return isObject(value) && isString(value.code) && isString(value.message);
}

/** The `id` of an exchange that has not been checked yet, or undefined when it has none. */
export function exchangeIdOf(value: unknown): string | undefined {
  return isObject(value) && isString(value.id) ? value.id : undefined;
}

export function isExchange(value: unknown): value is RecordedExchange {
  return (
    isObject(value) &&
    isString(value.id) &&
    isString(value.endpoint) &&
    isString(value.method) &&
    isString(value.url) &&
    isString(value.startedAt) &&
    isNumber(value.durationMs) &&
    (value.route === undefined || isRoute(value.route)) &&
    isHttpPart(value.request) &&
    (value.response === undefined || isResponse(value.response)) &&
    (value.error === undefined || isCodedError(value.error)) &&
    (value.tls === undefined || isTls(value.tls))
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
    isString(value.startedAt) &&
    (value.durationMs === undefined || isNumber(value.durationMs)) &&
    isOptionalString(value.detail)
  );
}

function isSignature(value: unknown): boolean {
  return isObject(value) && isString(value.signature);
}

function isDecodedToken(value: unknown): boolean {
  if (!isObject(value)) return false;
  switch (value.format) {
    case 'jws':
      return (
        isString(value.serialization) &&
        isObject(value.header) &&
        Array.isArray(value.signatures) &&
        value.signatures.every(isSignature) &&
        (value.claims === undefined || isObject(value.claims)) &&
        isOptionalString(value.payloadText)
      );
    case 'jwe':
      return isObject(value.header);
    case 'opaque':
      return isNumber(value.length);
    default:
      return false;
  }
}

function isVerification(value: unknown): boolean {
  if (!isObject(value)) return false;
  switch (value.status) {
    case 'verified':
      return isString(value.alg) && isOptionalString(value.kid) && isString(value.keySource);
    case 'failed':
      return isOptionalString(value.alg) && isOptionalString(value.kid) && isString(value.reason);
    case 'unsecured':
    case 'encrypted':
    case 'opaque':
    case 'skipped':
      return isString(value.reason);
    default:
      return false;
  }
}

function isBinding(value: unknown): boolean {
  if (!isObject(value)) return false;
  switch (value.status) {
    case 'match':
      return isString(value.thumbprint);
    case 'mismatch':
      return isString(value.expected) && isString(value.actual);
    case 'absent':
      return isString(value.reason);
    case 'no-certificate':
      return isString(value.actual);
    default:
      return false;
  }
}

export function isToken(value: unknown): value is InspectedToken {
  return (
    isObject(value) &&
    isString(value.label) &&
    isString(value.token) &&
    (value.decoded === undefined || isDecodedToken(value.decoded)) &&
    isOptionalString(value.decodeError) &&
    isVerification(value.verification) &&
    (value.binding === undefined || isBinding(value.binding)) &&
    isOptionalString(value.claimsValidation)
  );
}

function isRunError(value: unknown): boolean {
  return isCodedError(value) && isOptionalString((value as Json).hint);
}

function isClientCertificate(value: unknown): boolean {
  return isObject(value) && isString(value.subject) && isString(value.x5tS256);
}

/**
 * Checks a run's own members, its steps and its tokens. Its exchanges are only checked to be a
 * list, so a caller must check each one with isExchange before it reads more than exchangeIdOf.
 */
export function isRunSnapshot(value: unknown): value is RunSnapshot {
  return (
    isObject(value) &&
    isString(value.id) &&
    isString(value.title) &&
    isString(value.serverLabel) &&
    isString(value.issuer) &&
    isString(value.client_id) &&
    isString(value.token_endpoint_auth_method) &&
    typeof value.use_mtls_endpoint_aliases === 'boolean' &&
    isString(value.startedAt) &&
    RUN_STATUSES.has(value.status as string) &&
    (value.error === undefined || isRunError(value.error)) &&
    (value.clientCertificate === undefined || isClientCertificate(value.clientCertificate)) &&
    Array.isArray(value.routes) &&
    value.routes.every(isRoute) &&
    isArrayOf(value.steps, isStep) &&
    Array.isArray(value.exchanges) &&
    Array.isArray(value.tokens) &&
    value.tokens.every(isToken) &&
    (value.result === undefined || isObject(value.result)) &&
    isOptionalString(value.authorizationUrl)
  );
}

function isClientChoice(value: unknown): boolean {
  return (
    isObject(value) &&
    isString(value.client_id) &&
    isString(value.token_endpoint_auth_method) &&
    typeof value.use_mtls_endpoint_aliases === 'boolean' &&
    typeof value.hasCertificate === 'boolean' &&
    isOptionalString(value.scope) &&
    (value.resource === undefined || isArrayOf(value.resource, isString)) &&
    isOptionalString(value.response_mode)
  );
}

export function isServerChoice(value: unknown): value is ServerChoice {
  return (
    isObject(value) &&
    isString(value.id) &&
    isString(value.label) &&
    isString(value.issuer) &&
    Array.isArray(value.clients) &&
    value.clients.every(isClientChoice)
  );
}

function isPublicKey(value: unknown): boolean {
  return isObject(value) && isString(value.type) && isString(value.label);
}

function isScannedCertificate(value: unknown): boolean {
  return (
    isCertificate(value) &&
    isObject(value) &&
    isString(value.id) &&
    isString(value.file) &&
    isNumber(value.blockIndex) &&
    isString(value.serialNumber) &&
    isString(value.validFrom) &&
    isArrayOf(value.subjectAltNames, isString) &&
    ['valid', 'expired', 'notYetValid'].includes(value.validity as string) &&
    isOptionalString(value.validityProblem) &&
    isPublicKey(value.publicKey) &&
    typeof value.ca === 'boolean' &&
    typeof value.selfSigned === 'boolean' &&
    isOptionalString(value.friendlyName) &&
    isArrayOf(value.warnings, isString) &&
    isOptionalString(value.keyId)
  );
}

function isScannedKey(value: unknown): boolean {
  return (
    isObject(value) &&
    isString(value.id) &&
    isString(value.file) &&
    isString(value.encryption) &&
    isPublicKey(value.publicKey) &&
    isArrayOf(value.warnings, isString) &&
    isArrayOf(value.certificateIds, isString)
  );
}

function isEncryptedEntry(value: unknown): boolean {
  return (
    isObject(value) &&
    isString(value.id) &&
    isString(value.file) &&
    (value.format === 'pem' || value.format === 'pkcs12') &&
    isString(value.encryption) &&
    (value.error === undefined || isRunError(value.error))
  );
}

function isScanProblem(value: unknown): boolean {
  return isObject(value) && isString(value.kind) && isString(value.file) && isRunError(value.error);
}

function isScanView(value: unknown): boolean {
  return (
    isObject(value) &&
    isListOf(value.certificates, isScannedCertificate) &&
    isListOf(value.keys, isScannedKey) &&
    isListOf(value.encrypted, isEncryptedEntry) &&
    isListOf(value.problems, isScanProblem) &&
    isObject(value.counts) &&
    isNumber(value.counts.files) &&
    isString(value.checkedAt) &&
    typeof value.truncated === 'boolean'
  );
}

export function isScanStatus(value: unknown): value is CertificateScanStatus {
  if (!isObject(value)) return false;
  switch (value.state) {
    case 'scanning':
      return (
        isNumber(value.filesRead) && (value.filesFound === undefined || isNumber(value.filesFound))
      );
    case 'done':
      return isScanView(value.scan);
    case 'failed':
    case 'unavailable':
      return isString(value.message);
    default:
      return false;
  }
}

function isResponseMessage(value: Json): boolean {
  if (!isString(value.requestId) || value.requestId.length === 0) return false;
  if (value.ok === true) return true;
  return value.ok === false && isString(value.error);
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
    case 'servers':
      return isArrayOf(value.servers, isServerChoice) ? (value as HostMessage) : undefined;
    case 'certificates':
      return isScanStatus(value.status) ? (value as HostMessage) : undefined;
    case 'decode':
      return isString(value.token) ? (value as HostMessage) : undefined;
    case 'response':
      return isResponseMessage(value) ? (value as HostMessage) : undefined;
    default:
      return undefined;
  }
}
