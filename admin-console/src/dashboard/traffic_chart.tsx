// Per-minute traffic as inline SVG: bars (requests, with errors in red on top of
// them) or two lines (bytes in / out). Drawn at its container's measured width so
// axis labels keep their size from phone to desktop.
import type { StatsBucket } from '../api/types';
import { formatBytes, formatClock, formatCount } from '../shared/format';
import { localZoneName, offsetAt, utcTooltip } from '../shared/time_zone';
import { useElementWidth } from '../shared/use_element_width';

const H = 160;
const PAD = { top: 10, right: 8, bottom: 22, left: 52 };

/** A "nice" upper bound ≥ max (1, 2, 5 × 10^n), at least `floor`. */
export function niceMax(max: number, floor = 1): number {
  if (max <= floor) return floor;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/** Like niceMax, but in whole KiB/MiB/GiB steps so the axis reads 0 / 100 KiB / 200 KiB. */
export function niceBytesMax(max: number): number {
  if (max <= 1024) return 1024;
  let unit = 1;
  while (max / unit >= 1024) unit *= 1024;
  return niceMax(max / unit) * unit;
}

/** The time axis is in the browser's zone. */
function ZoneNote() {
  return <span className="zone-note">· times in {localZoneName()}</span>;
}

interface Props {
  series: StatsBucket[];
  metric: 'requests' | 'bytes';
  title: string;
}

export function TrafficChart({ series, metric, title }: Props) {
  const { ref, width } = useElementWidth<HTMLElement>(600);
  const W = Math.max(240, width);
  const n = Math.max(series.length, 1);
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const values = series.map((b) => (metric === 'requests' ? b.requests : Math.max(b.bytes_in, b.bytes_out)));
  const peak = Math.max(0, ...values);
  const top = metric === 'requests' ? niceMax(peak, 2) : niceBytesMax(peak);
  const y = (v: number) => PAD.top + innerH - (v / top) * innerH;
  const slot = innerW / n;
  const fmt = metric === 'requests' ? formatCount : formatBytes;
  const total =
    metric === 'requests'
      ? `${formatCount(series.reduce((s, b) => s + b.requests, 0))} requests, ${formatCount(series.reduce((s, b) => s + b.errors, 0))} errors`
      : `${formatBytes(series.reduce((s, b) => s + b.bytes_in, 0))} in, ${formatBytes(series.reduce((s, b) => s + b.bytes_out, 0))} out`;
  const label = `${title}: ${total} over ${series.length} minutes`;
  const ticks = series
    .map((b, i) => ({ b, i }))
    .filter(({ i }) => {
      const step = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(W / 80))));
      return i === n - 1 || (i % step === 0 && n - 1 - i >= step * 0.8);
    });
  const line = (key: 'bytes_in' | 'bytes_out') =>
    series.map((b, i) => `${i === 0 ? 'M' : 'L'}${(PAD.left + slot * (i + 0.5)).toFixed(1)},${y(b[key]).toFixed(1)}`).join(' ');

  return (
    <figure className="chart" ref={ref}>
      <figcaption>
        <span>{title}</span>
        <span className="muted small">{total}</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={label} data-testid={`chart-${metric}`}>
        <title>{label}</title>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(top * f)} y2={y(top * f)} className="grid-line" />
            <text x={PAD.left - 6} y={y(top * f) + 4} textAnchor="end" className="axis">
              {fmt(top * f)}
            </text>
          </g>
        ))}
        {metric === 'requests' &&
          series.map((b, i) => {
            const x = PAD.left + slot * i + slot * 0.15;
            const w = Math.max(1, slot * 0.7);
            return (
              <g key={b.start}>
                <rect x={x} y={y(b.requests)} width={w} height={PAD.top + innerH - y(b.requests)} className="bar">
                  <title>{`${formatClock(b.start)} ${offsetAt(new Date(b.start))}: ${b.requests} requests, ${b.errors} errors · ${utcTooltip(b.start)}`}</title>
                </rect>
                {b.errors > 0 && <rect x={x} y={y(b.errors)} width={w} height={PAD.top + innerH - y(b.errors)} className="bar-error" />}
              </g>
            );
          })}
        {metric === 'bytes' && series.length > 0 && (
          <>
            <path d={line('bytes_in')} className="line-in" fill="none" />
            <path d={line('bytes_out')} className="line-out" fill="none" />
          </>
        )}
        {ticks.map(({ b, i }) => (
          <text
            key={b.start}
            x={i === n - 1 ? W - PAD.right : PAD.left + slot * (i + 0.5)}
            y={H - 6}
            textAnchor={i === n - 1 ? 'end' : 'middle'}
            className="axis"
          >
            {formatClock(b.start)}
          </text>
        ))}
      </svg>
      {metric === 'bytes' && (
        <p className="legend small">
          <span className="key key-in" /> in <span className="key key-out" /> out <ZoneNote />
        </p>
      )}
      {metric === 'requests' && (
        <p className="legend small">
          <span className="key key-req" /> requests <span className="key key-err" /> errors <ZoneNote />
        </p>
      )}
    </figure>
  );
}
