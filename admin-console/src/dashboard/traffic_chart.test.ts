import { describe, expect, it } from 'vitest';
import { niceBytesMax, niceMax } from './traffic_chart';

describe('chart axis bounds', () => {
  it('rounds up to 1, 2, 5 × 10^n', () => {
    expect(niceMax(0, 2)).toBe(2);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(13)).toBe(20);
    expect(niceMax(420)).toBe(500);
  });
  it('rounds bytes in binary units', () => {
    expect(niceBytesMax(10)).toBe(1024);
    expect(niceBytesMax(195 * 1024)).toBe(200 * 1024);
    expect(niceBytesMax(3.5 * 1024 * 1024)).toBe(5 * 1024 * 1024);
  });
});
