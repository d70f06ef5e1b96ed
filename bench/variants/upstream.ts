// The two Ding calls as a hand-written app makes them, behind one small interface so the floor
// (raw undici Pool) and the fetch baseline differ only in the HTTP client.

/** POSTs a JSON body to the Ding API path and returns the parsed JSON of an HTTP 200. */
export type PostJson = (path: string, body: object) => Promise<Record<string, unknown>>;

export interface Upstream {
  post: PostJson;
  poolSize: number | undefined;
  close(): Promise<void>;
}

export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(readonly status: number) {
    super(`Ding answered HTTP ${status}`);
  }
}
