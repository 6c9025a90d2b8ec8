import type { DataType } from '../protocol/upbit/types.js';
import { Entry } from './entry.js';

/**
 * Entries by (type, code, level), nested rather than keyed by one concatenated string: a lookup
 * then hashes strings the specs already hold (V8 caches a string's hash), where a fresh key string
 * would be built, flattened and hashed on every call — several times slower.
 */
export class EntryIndex {
  readonly #byType = new Map<DataType, Map<string, Map<number, Entry>>>();

  get(type: DataType, code: string, level: number): Entry | undefined {
    return this.#byType.get(type)?.get(code)?.get(level);
  }

  getOrCreate(type: DataType, code: string, level: number): Entry {
    let byCode = this.#byType.get(type);
    if (byCode === undefined) this.#byType.set(type, (byCode = new Map()));
    let byLevel = byCode.get(code);
    if (byLevel === undefined) byCode.set(code, (byLevel = new Map()));
    let entry = byLevel.get(level);
    if (entry === undefined) byLevel.set(level, (entry = new Entry(type, code, level)));
    return entry;
  }

  delete(entry: Entry): void {
    const byCode = this.#byType.get(entry.type);
    const byLevel = byCode?.get(entry.code);
    if (byLevel?.get(entry.level) !== entry) return;
    byLevel.delete(entry.level);
    if (byLevel.size === 0) byCode!.delete(entry.code);
    if (byCode!.size === 0) this.#byType.delete(entry.type);
  }

  *values(): IterableIterator<Entry> {
    for (const byCode of this.#byType.values()) {
      for (const byLevel of byCode.values()) yield* byLevel.values();
    }
  }
}
