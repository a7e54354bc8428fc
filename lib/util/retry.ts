/** Retries with exponential backoff, for RPC and storage calls that fail transiently. */
export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Delay before the second attempt, in ms; doubles each time up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Decides whether an error is worth another attempt; the default retries everything. */
  retryable?: (err: unknown) => boolean;
  /** Told of each failed attempt that will be retried. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 8, baseDelayMs: 250, maxDelayMs: 4_000 };

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export async function withRetry<T>(fn: () => Promise<T>, opts: Partial<RetryOptions> = {}): Promise<T> {
  const o = { ...DEFAULT_RETRY, ...opts };
  let delay = o.baseDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= o.attempts || (o.retryable && !o.retryable(err)) || o.signal?.aborted) throw err;
      o.onRetry?.(err, attempt, delay);
      await sleep(delay, o.signal);
      delay = Math.min(delay * 2, o.maxDelayMs);
    }
  }
}

/** True for errors that come from the transport (node down, socket reset, timeout), not from the chain's verdict. */
export function isTransportError(err: unknown): boolean {
  const e = err as { code?: string; message?: string; error?: { code?: string } };
  const code = e?.code ?? e?.error?.code;
  if (code && ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "NETWORK_ERROR", "TIMEOUT", "SERVER_ERROR", "UND_ERR_SOCKET"].includes(code)) {
    return true;
  }
  return /ECONNREFUSED|ECONNRESET|socket hang up|fetch failed|network error|timeout/i.test(e?.message ?? "");
}
