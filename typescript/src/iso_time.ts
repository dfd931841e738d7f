// A UTC time as ISO 8601, exactly as Date.prototype.toISOString writes it
// ("2026-11-28T12:00:00.000Z"), built from the getUTC* fields: V8's
// toISOString loads its time-zone data on first use (~0.8 MiB resident, even
// though the result is UTC), which the CLI's log lines would otherwise pay for.
// Years outside 0…9999 (a six-digit form) go to toISOString itself.
const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);

export function isoTime(ms: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) return d.toISOString();
  const millis = d.getUTCMilliseconds();
  return `${String(year).padStart(4, '0')}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}T${two(d.getUTCHours())}:` +
    `${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}
