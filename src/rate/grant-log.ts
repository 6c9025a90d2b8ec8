/**
 * The timestamps of the most recent grants, newest last, in a fixed ring.
 *
 * A window of `limit` grants per `intervalMs` only ever needs the `limit`-th most recent grant:
 * a new grant fits if that one is at least `intervalMs` old. So one ring sized to the largest
 * limit serves every window in O(1) time and memory.
 */
export class GrantLog {
  readonly #times: Float64Array;
  /** Index the next grant is written to. */
  #next = 0;
  /** Grants held, at most the capacity. */
  #size = 0;

  constructor(capacity: number) {
    this.#times = new Float64Array(capacity);
  }

  /** Records a grant at `at` (never earlier than the previous one). */
  record(at: number): void {
    this.#times[this.#next] = at;
    this.#next = (this.#next + 1) % this.#times.length;
    if (this.#size < this.#times.length) this.#size += 1;
  }

  /** Time of the `n`-th most recent grant (1 = the latest), or `undefined` if fewer were recorded. */
  recent(n: number): number | undefined {
    if (n < 1 || n > this.#size) return undefined;
    const capacity = this.#times.length;
    return this.#times[(this.#next - n + capacity) % capacity];
  }

  /** How many of the held grants happened strictly after `threshold`. */
  countAfter(threshold: number): number {
    let count = 0;
    for (let n = 1; n <= this.#size; n += 1) {
      const at = this.recent(n);
      if (at === undefined || at <= threshold) break;
      count += 1;
    }
    return count;
  }
}
