import { useEffect, useMemo, useRef, useState } from "react";
import { layoutChart, type AxisKind, type ChartLimit, type ChartSeries } from "../lib/chart";
import { formatClock, formatCompact, formatTimestamp } from "../lib/format";

interface Props {
  title: string;
  series: ChartSeries[];
  limit?: ChartLimit | null;
  start?: number;
  end?: number;
  periodMs?: number;
  format?: (v: number) => string;
  headline?: string; // e.g. "peak 1.2k/s at 01:40"
  testId?: string;
  axis?: AxisKind; // bytes: ticks at round KiB/MiB; ms: at round seconds/minutes/hours
}

const HEIGHT = 200;

/** The SVG is laid out at its real pixel width (no stretched text): measured, and re-measured on resize. */
function useWidth(fallback: number) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const update = () => setWidth(Math.max(200, Math.round(element.getBoundingClientRect().width)));
    update();
    const observer = new ResizeObserver(update);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

/** One hand-drawn SVG line chart: zero-based y axis, UTC time axis, optional dashed limit line. */
export function LineChart({ title, series, limit, start, end, periodMs, format = formatCompact, headline, testId, axis }: Props) {
  const { ref, width } = useWidth(560);
  const BOX = useMemo(() => ({ width, height: HEIGHT, left: 56, right: 12, top: 12, bottom: 24 }), [width]);
  const geometry = useMemo(() => layoutChart(series, BOX, { start, end, limit, periodMs, axis }), [series, BOX, start, end, limit, periodMs, axis]);
  const [hover, setHover] = useState<{ x: number; t: number } | null>(null);
  const { plot } = geometry;
  const span = (end ?? 0) - (start ?? 0);

  const onMove = (event: React.MouseEvent<SVGRectElement>) => {
    if (!start || !end || span <= 0) return;
    const rect = (event.target as SVGRectElement).getBoundingClientRect();
    const fraction = (event.clientX - rect.left) / rect.width;
    setHover({ x: plot.x0 + fraction * (plot.x1 - plot.x0), t: start + fraction * span });
  };

  const hoverValues = hover
    ? series.map((s) => {
        let nearest = s.points[0];
        for (const p of s.points) if (Math.abs(p.t - hover.t) < Math.abs((nearest?.t ?? Infinity) - hover.t)) nearest = p;
        return { name: s.name, color: s.color, value: nearest?.v };
      })
    : [];

  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>
        <span className="chart-title">{title}</span>
        {headline && <span className="chart-headline">{headline}</span>}
      </figcaption>
      <div ref={ref} className="chart-body">
      <svg viewBox={`0 0 ${BOX.width} ${BOX.height}`} width={BOX.width} height={BOX.height} role="img" aria-label={title}>
        {geometry.yTicks.map((tick) => (
          <g key={`y${tick.value}`}>
            <line className="grid" x1={plot.x0} x2={plot.x1} y1={tick.pos} y2={tick.pos} />
            <text className="axis" x={plot.x0 - 6} y={tick.pos + 4} textAnchor="end">
              {tick.value === 0 ? "0" : format(tick.value)}
            </text>
          </g>
        ))}
        {geometry.xTicks.map((tick) => (
          <text key={`x${tick.value}`} className="axis" x={tick.pos} y={BOX.height - 6} textAnchor="middle">
            {formatClock(tick.value)}
          </text>
        ))}
        {geometry.paths.map((p) => (
          <path key={p.name} d={p.d} stroke={p.color} className="series" />
        ))}
        {geometry.limit && (
          <g className="limit">
            <line x1={plot.x0} x2={plot.x1} y1={geometry.limit.y} y2={geometry.limit.y} />
            <text x={plot.x1 - 4} y={geometry.limit.y - 4} textAnchor="end">
              {geometry.limit.label} {format(geometry.limit.value)}
            </text>
          </g>
        )}
        {geometry.empty && (
          <text className="empty" x={(plot.x0 + plot.x1) / 2} y={(plot.y0 + plot.y1) / 2} textAnchor="middle">
            no datapoints in this window
          </text>
        )}
        {hover && <line className="cursor" x1={hover.x} x2={hover.x} y1={plot.y1} y2={plot.y0} />}
        <rect x={plot.x0} y={plot.y1} width={plot.x1 - plot.x0} height={plot.y0 - plot.y1} fill="transparent" onMouseMove={onMove} onMouseLeave={() => setHover(null)} />
      </svg>
      </div>
      <div className="legend">
        {hover ? (
          <>
            <span className="muted">{formatTimestamp(new Date(hover.t).toISOString())}</span>
            {hoverValues.map((h) => (
              <span key={h.name}>
                <i style={{ background: h.color }} /> {h.name} {h.value === undefined ? "—" : format(h.value)}
              </span>
            ))}
          </>
        ) : (
          series.map((s) => (
            <span key={s.name}>
              <i style={{ background: s.color }} /> {s.name}
            </span>
          ))
        )}
      </div>
    </figure>
  );
}
