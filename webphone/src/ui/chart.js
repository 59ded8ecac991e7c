// Small hand-drawn SVG charts: horizontal bars (one per agent or campaign)
// and columns over time. No library: a few dozen shapes, crisp at any size,
// readable in print.

const NS = 'http://www.w3.org/2000/svg';

function svgEl(tag, attrs = {}, text = null) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== null) el.textContent = text;
  return el;
}

function niceMax(value) {
  if (!(value > 0)) return 1;
  const exp = 10 ** Math.floor(Math.log10(value));
  const f = value / exp;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
  return nice * exp;
}

/**
 * Horizontal bars.
 * @param {{label: string, value: number}[]} items
 * @param {{format?: (n: number) => string, title?: string, color?: string}} [options]
 */
export function barChart(items, { format = String, title = '', color = 'var(--chart-1)' } = {}) {
  const rowH = 30;
  const labelW = 170;
  const valueW = 90;
  const width = 640;
  const barW = width - labelW - valueW;
  const height = Math.max(rowH, items.length * rowH) + 8;
  const max = niceMax(Math.max(0, ...items.map((i) => Number(i.value) || 0)));
  const svg = svgEl('svg', {
    viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', class: 'chart chart-bars',
    'aria-label': title, preserveAspectRatio: 'xMinYMin meet',
  });
  if (title) svg.appendChild(svgEl('title', {}, title));
  items.forEach((item, i) => {
    const y = i * rowH + 4;
    const v = Number(item.value) || 0;
    const w = Math.max(v > 0 ? 2 : 0, (v / max) * barW);
    const g = svgEl('g', { class: 'bar-row' });
    g.appendChild(svgEl('text', { x: labelW - 10, y: y + rowH / 2, 'text-anchor': 'end', 'dominant-baseline': 'middle', class: 'chart-label' }, truncate(item.label, 24)));
    g.appendChild(svgEl('rect', { x: labelW, y: y + 5, width: barW, height: rowH - 10, rx: 4, class: 'chart-track' }));
    g.appendChild(svgEl('rect', { x: labelW, y: y + 5, width: w, height: rowH - 10, rx: 4, fill: color, class: 'chart-bar' }));
    g.appendChild(svgEl('text', { x: labelW + barW + 8, y: y + rowH / 2, 'dominant-baseline': 'middle', class: 'chart-value' }, format(v)));
    svg.appendChild(g);
  });
  return svg;
}

/**
 * Vertical columns over ordered labels (days, hours).
 * @param {{label: string, value: number}[]} items
 */
export function columnChart(items, { format = String, title = '', color = 'var(--chart-2)' } = {}) {
  const width = 640;
  const height = 220;
  const pad = { top: 16, right: 12, bottom: 34, left: 48 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const max = niceMax(Math.max(0, ...items.map((i) => Number(i.value) || 0)));
  const svg = svgEl('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', class: 'chart chart-columns', 'aria-label': title });
  if (title) svg.appendChild(svgEl('title', {}, title));
  for (let i = 0; i <= 4; i += 1) {
    const y = pad.top + plotH - (plotH * i) / 4;
    svg.appendChild(svgEl('line', { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: 'chart-grid' }));
    svg.appendChild(svgEl('text', { x: pad.left - 6, y, 'text-anchor': 'end', 'dominant-baseline': 'middle', class: 'chart-axis' }, format((max * i) / 4)));
  }
  const step = items.length ? plotW / items.length : plotW;
  const colW = Math.max(4, Math.min(40, step * 0.7));
  const labelEvery = Math.ceil(items.length / 12);
  items.forEach((item, i) => {
    const v = Number(item.value) || 0;
    const hgt = (v / max) * plotH;
    const x = pad.left + i * step + (step - colW) / 2;
    const rect = svgEl('rect', { x, y: pad.top + plotH - hgt, width: colW, height: hgt, rx: 3, fill: color, class: 'chart-bar' });
    rect.appendChild(svgEl('title', {}, `${item.label}: ${format(v)}`));
    svg.appendChild(rect);
    if (i % labelEvery === 0) {
      svg.appendChild(svgEl('text', { x: x + colW / 2, y: height - pad.bottom + 16, 'text-anchor': 'middle', class: 'chart-axis' }, truncate(item.label, 10)));
    }
  });
  return svg;
}

function truncate(text, n) {
  const s = String(text ?? '');
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
