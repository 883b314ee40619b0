/**
 * Requests the webview sends with a request id, and the host's `response` messages that settle
 * them. A response whose id is unknown, or whose result fails the request's check, is ignored, so
 * a malformed or stale response cannot settle the wrong request.
 */
import type { HostMessage, WebviewMessage } from '../src/shared/inspectorProtocol';

type ResponseMessage = Extract<HostMessage, { type: 'response' }>;

export type Outcome<T> = { ok: true; result: T } | { ok: false; error: string };

interface Pending {
  isResult: (value: unknown) => boolean;
  settle: (outcome: Outcome<unknown>) => void;
}

let counter = 0;

/** Creates a request id from a counter and random digits, so ids differ across page loads. */
function newRequestId(): string {
  counter += 1;
  const random = Math.floor(Math.random() * 0x100000000).toString(36);
  return `request-${counter}-${random}`;
}

export class RequestTracker {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly post: (message: WebviewMessage) => void) {}

  /**
   * Posts the message built for a fresh request id and resolves with the host's response.
   * `isResult` checks the shape of a successful result before it is accepted.
   */
  send<T>(
    build: (requestId: string) => WebviewMessage,
    isResult: (value: unknown) => value is T,
  ): Promise<Outcome<T>> {
    const requestId = newRequestId();
    return new Promise((resolve) => {
      this.pending.set(requestId, {
        isResult,
        settle: resolve as (outcome: Outcome<unknown>) => void,
      });
      this.post(build(requestId));
    });
  }

  /** Settles the request that a response belongs to; returns false when it was ignored. */
  resolve(message: ResponseMessage): boolean {
    const request = this.pending.get(message.requestId);
    if (!request) return false;
    if (message.ok && !request.isResult(message.result)) return false;
    this.pending.delete(message.requestId);
    request.settle(
      message.ok ? { ok: true, result: message.result } : { ok: false, error: message.error },
    );
    return true;
  }
}

/** Accepts any result, for requests whose response only reports that they ended. */
export function anyResult(value: unknown): value is unknown {
  return value === undefined || (value !== null && typeof value === 'object');
}
