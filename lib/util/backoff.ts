/**
 * Backoff per key for long-running duties: after a failure the key waits baseMs, doubling per consecutive failure
 * up to maxMs, and the duty can say why it is waiting. A success clears the key.
 */
export class Backoff {
  private readonly state = new Map<string, { failures: number; until: number; reason: string }>();

  constructor(
    private readonly baseMs = 2_000,
    private readonly maxMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `key` may be tried now. */
  ready(key: string): boolean {
    const s = this.state.get(key);
    return !s || this.now() >= s.until;
  }

  /** Records a failure; returns the wait before the next try and how many failures in a row. */
  failed(key: string, reason: string): { waitMs: number; failures: number } {
    const failures = (this.state.get(key)?.failures ?? 0) + 1;
    const waitMs = Math.min(this.maxMs, this.baseMs * 2 ** (failures - 1));
    this.state.set(key, { failures, until: this.now() + waitMs, reason });
    return { waitMs, failures };
  }

  succeeded(key: string): void {
    this.state.delete(key);
  }

  /** Keys waiting now, with the reason of their last failure. */
  waiting(): { key: string; reason: string; failures: number; leftMs: number }[] {
    const t = this.now();
    return [...this.state.entries()]
      .filter(([, s]) => s.until > t)
      .map(([key, s]) => ({ key, reason: s.reason, failures: s.failures, leftMs: s.until - t }));
  }
}
