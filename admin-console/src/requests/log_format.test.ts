import { describe, expect, it } from 'vitest';
import { headerEntries, prettyBody, statusText, storedBody, storedRequestBody, utf8Length } from './log_format';
import { filtersFromParams, filtersToParams, toQuery } from './request_filters';
import { formatBytes, formatDuration, formatPercent } from '../shared/format';

describe('log formatting', () => {
  it('pretty-prints JSON objects and arrays, leaves other text alone', () => {
    expect(prettyBody('{"a":1,"b":[true,null]}').text).toBe('{\n  "a": 1,\n  "b": [\n    true,\n    null\n  ]\n}');
    expect(prettyBody('[1,2]')).toEqual({ text: '[\n  1,\n  2\n]', json: true });
    expect(prettyBody('{"cut": "at 4 KiB')).toEqual({ text: '{"cut": "at 4 KiB', json: false });
    expect(prettyBody('plain')).toEqual({ text: 'plain', json: false });
    expect(prettyBody(null)).toEqual({ text: '', json: false });
  });
  it('reads headers as an object or JSON text', () => {
    expect(headerEntries({ a: '1', authorization: '[REDACTED]' })).toEqual([['a', '1'], ['authorization', '[REDACTED]']]);
    expect(headerEntries('{"x":"y"}')).toEqual([['x', 'y']]);
    expect(headerEntries(null)).toEqual([]);
  });
  it('tells a whole stored body from a cut, binary or unrecorded one by the byte count', () => {
    expect(storedBody(null, 0)).toBe('none');
    expect(storedBody('', 0)).toBe('none');
    expect(storedBody('{"a":1}', 7)).toBe('whole');
    expect(utf8Length('héllo €')).toBe(10);
    expect(storedBody('héllo €', 10)).toBe('whole'); // bytes, not characters
    expect(storedBody('x'.repeat(4096), 5000)).toBe('cut');
    expect(storedBody('é'.repeat(2047), 4100)).toBe('cut'); // cut at a code-point boundary below 4 KiB
    expect(storedBody('[binary data]', 800)).toBe('binary');
    expect(storedBody('[binary data]', 13)).toBe('whole'); // a body that says so itself
    expect(storedBody(null, 12)).toBe('unrecorded');
    // A server that does not count: trusted below the storage limit only.
    expect(storedBody('short', 0)).toBe('whole');
    expect(storedBody('x'.repeat(4096), 0)).toBe('cut');
    expect(storedRequestBody({ request_body: 'abc', bytes_in: 3 })).toBe('whole');
  });
  it('names the status', () => {
    expect(statusText({ status_code: 204, error: null })).toBe('204');
    expect(statusText({ status_code: 0, error: 'Target unreachable' })).toBe('error');
  });
  it('formats numbers', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MiB');
    expect(formatDuration(12.4)).toBe('12 ms');
    expect(formatDuration(1500)).toBe('1.50 s');
    expect(formatPercent(0.1)).toBe('10%');
    expect(formatPercent(0.0123)).toBe('1.2%');
  });
});

describe('request filters in the URL', () => {
  it('round-trips and turns pages into offsets', () => {
    const f = filtersFromParams(new URLSearchParams('domain=a&status=5xx&method=post&q=%2Fx&page=3&status2=1'));
    expect(f).toMatchObject({ domain: 'a', status: '5xx', method: 'POST', q: '/x', page: 3 });
    expect(filtersToParams(f).toString()).toBe('domain=a&status=5xx&method=POST&q=%2Fx&page=3');
    expect(toQuery(f)).toMatchObject({ limit: 50, offset: 100 });
  });
  it('drops unknown status classes and bad pages', () => {
    expect(filtersFromParams(new URLSearchParams('status=7xx&page=-2'))).toMatchObject({ status: '', page: 1 });
  });
});
