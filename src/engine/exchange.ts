import type { RouteEntry } from './routing';

/** One HTTP header as sent or received; a list keeps repeated headers and their order. */
export type HeaderPair = [name: string, value: string];

export interface RecordedBody {
  contentType?: string;
  /** The body as text, with secret members replaced by redaction markers. */
  text: string;
  /** Names of the members whose values were redacted. */
  redacted: string[];
}

export interface RecordedCertificate {
  subject: string;
  issuer: string;
  validTo: string;
  x5tS256: string;
}

/** One request and its response (or failure), as the inspector shows it. */
export interface RecordedExchange {
  id: string;
  /** Metadata name of the endpoint (`token_endpoint`), or `discovery` for metadata documents. */
  endpoint: string;
  method: string;
  url: string;
  startedAt: string;
  durationMs: number;
  /** The routing decision that chose `url`; absent for discovery. */
  route?: RouteEntry;
  request: {
    headers: HeaderPair[];
    body?: RecordedBody;
  };
  response?: {
    status: number;
    statusText: string;
    headers: HeaderPair[];
    body?: RecordedBody;
    /** Bytes received; when the size cap was hit, the bytes read before stopping. */
    size: number;
  };
  error?: {
    code: string;
    message: string;
  };
  tls?: {
    /** The client certificate configured on the connection, offered when the server asks. */
    clientCertificate?: RecordedCertificate;
    /** The certificate the server presented on the connection to this origin. */
    serverCertificate?: RecordedCertificate;
    protocol?: string;
  };
}

/** Receives exchanges as they complete, in order. */
export type ExchangeListener = (exchange: RecordedExchange) => void;
