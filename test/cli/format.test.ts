import { describe, expect, it } from 'vitest';
import { formatCount, formatMs, formatPercent, formatTable } from '../../src/cli/format.js';

describe('format', () => {
  it('formats counts, durations and shares', () => {
    expect(formatCount(1_234_567)).toBe('1 234 567');
    expect(formatCount(999)).toBe('999');
    expect(formatMs(104.4)).toBe('104 ms');
    expect(formatMs(19_043)).toBe('19.04 s');
    expect(formatPercent(0.9234)).toBe('92.3%');
  });

  it('aligns a table: first column left, the rest right, no trailing spaces', () => {
    expect(formatTable(['name', 'n'], [['public', '12'], ['private', '3']])).toEqual([
      'name      n',
      '───────  ──',
      'public   12',
      'private   3',
    ]);
    expect(formatTable(['a', 'b'], [['x', 'yy']], ['left', 'left'])).toEqual(['a  b', '─  ──', 'x  yy']);
  });
});
