/**
 * An incremental multiset hash: the fingerprint of a set of entries is the sum of their hashes,
 * so adding or removing one entry costs O(1) and equal sets give equal fingerprints whatever
 * order they were built in. Two independent 32-bit hashes are summed separately and packed into
 * one safe integer (32 + 21 bits), which makes an accidental collision a one-in-2^53 event.
 */

/** The fingerprint of an empty desired state. */
export const EMPTY_FINGERPRINT = 0;

/** What a server holds after it refused a request: no set of entries has this fingerprint. */
export const UNKNOWN_FINGERPRINT = -1;

/** Running sums of the two hashes of every entry in a set. */
export class FingerprintSum {
  #low = 0;
  #high = 0;

  add(text: string): void {
    this.#low = (this.#low + fnv1a(text)) >>> 0;
    this.#high = (this.#high + murmurish(text)) >>> 0;
  }

  remove(text: string): void {
    this.#low = (this.#low - fnv1a(text)) >>> 0;
    this.#high = (this.#high - murmurish(text)) >>> 0;
  }

  /** The fingerprint of this set together with `other` (when given). */
  value(other?: FingerprintSum): number {
    const low = other ? (this.#low + other.#low) >>> 0 : this.#low;
    const high = other ? (this.#high + other.#high) >>> 0 : this.#high;
    return (high & 0x1f_ffff) * 0x1_0000_0000 + low;
  }
}

/** FNV-1a, 32 bits. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  }
  return hash >>> 0;
}

/** A multiply-rotate hash with MurmurHash3's finaliser: independent of FNV-1a. */
function murmurish(text: string): number {
  let hash = 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x5bd1e995);
    hash ^= hash >>> 15;
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
