import { describe, expect, it } from 'vitest';
import { baseOf, decimalsOf, quoteOf, snap, tickSize } from '../../src/sim/prices.js';

describe('tick sizes', () => {
  it.each([
    ['KRW', 140_000_000, 1_000],
    ['KRW', 1_500_000, 1_000],
    ['KRW', 700_000, 500],
    ['KRW', 280_000, 100],
    ['KRW', 70_000, 50],
    ['KRW', 25_000, 10],
    ['KRW', 7_000, 5],
    ['KRW', 3_200, 1],
    ['KRW', 330, 1],
    ['KRW', 0.02, 0.0001],
    ['BTC', 0.035, 0.00000001],
    ['USDT', 95_000, 0.01],
    ['USDT', 2.5, 0.001],
  ])('%s market at %d trades in steps of %d', (quote, price, tick) => {
    expect(tickSize(quote, price)).toBe(tick);
  });
});

describe('snap', () => {
  it('puts a price on the grid without binary noise', () => {
    expect(snap(0.30000000000000004, 0.1)).toBe(0.3);
    expect(snap(1234.56, 10)).toBe(1230);
    expect(snap(1234.56, 10, 'up')).toBe(1240);
    expect(snap(1240.0000000001, 10, 'up')).toBe(1240);
    expect(snap(1239.9999999999, 10, 'down')).toBe(1240);
    expect(decimalsOf(0.00001)).toBe(5);
  });

  it('splits market codes', () => {
    expect(quoteOf('KRW-BTC')).toBe('KRW');
    expect(baseOf('KRW-BTC')).toBe('BTC');
  });
});
