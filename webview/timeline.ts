/**
 * The timeline: steps as bars on a time axis (decision order when the trace has no timestamps),
 * one lane per depth, failures in their category colours, and a minimap of every failure over
 * the whole trace. Steps labelled by the source (Who&When, TRAIL...) carry a diamond, failures a
 * triangle, so the two differ by shape and not by colour alone. Bars for the visible window come from the host (capped); colours are read
 * from the computed theme variables on every draw, so theme switches apply.
 */
import { withoutTerminalEscapes } from './terminal-text';
import type { FailureMarker, TimelineBar, TimelineResult, TraceSummary } from '../src/protocol/messages';
import { counted } from './plural';
import { el } from './dom';
import { axisOffset, formatDuration, timeAxisSpacing } from './duration';

/** Shown at the axis's right end when the window holds more steps than are drawn. */
const TRUNCATED_NOTE = 'zoom in for every step';

const AXIS_H = 18;
/** Pixels kept clear at each end of the lanes: a dot (a step with one time) at the window's first or last instant is drawn whole. */
const EDGE_INSET = 5;
const MINIMAP_H = 16;
const MAX_LANE_H = 14;
const MIN_LANE_H = 4;
const MAX_LANES_H = 112;
const BAR_LIMIT = 4000;
/** Imported labels' mark colour (the legend's label chips use the same). */
export const LABEL_MARK_COLOR = '--vscode-terminal-ansiMagenta';
const CANVAS_HELP = 'Click a bar to select it; Ctrl+wheel or + and - to zoom, drag or arrow keys to pan, 0 to reset.';

export interface TimelineDeps {
  fetchBars(start: number, end: number, limit: number): Promise<TimelineResult>;
  onSelect(index: number): void;
  colorOf(category: string): string;
  onWindowChange(window: { start: number; end: number }): void;
}

export class Timeline {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly note: HTMLElement;
  private summary: TraceSummary | undefined;
  private win = { start: 0, end: 1 };
  private bars: TimelineBar[] = [];
  private truncated = false;
  private selected: { index: number; start: number; end: number } | null = null;
  private fetchTimer: ReturnType<typeof setTimeout> | undefined;
  private fetchSeq = 0;
  private drag: { x: number; start: number; end: number; moved: boolean } | null = null;
  /** The bar whose tooltip the canvas shows, if any. */
  private hovered: number | null = null;

  constructor(private readonly deps: TimelineDeps) {
    this.canvas = el('canvas', {
      className: 'timeline-canvas',
      attrs: { tabindex: 0, role: 'img', 'aria-label': `Timeline of steps. ${CANVAS_HELP}` },
    });
    this.note = el('div', { className: 'timeline-note' });
    this.element = el('section', { className: 'timeline', attrs: { 'aria-label': 'Timeline' } }, [this.note, this.canvas]);
    this.canvas.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    this.canvas.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    this.canvas.addEventListener('pointermove', (e) => this.onPointerMove(e));
    this.canvas.addEventListener('pointerup', (e) => this.onPointerUp(e));
    this.canvas.addEventListener('pointerleave', () => this.showTooltip(undefined));
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.draw()).observe(this.element);
    // Theme changes swap the body class; redraw to pick up the new variable values.
    new MutationObserver(() => this.draw()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  setTrace(summary: TraceSummary, window: { start: number; end: number } | null): void {
    this.summary = summary;
    this.describe();
    const full = summary.timeRange;
    this.win = window && window.end > window.start ? { ...window } : { start: full.start, end: full.end };
    this.bars = [];
    const notes: string[] = [];
    if (!full.hasTimestamps) notes.push('No timestamps in this trace: bars follow decision order.');
    if (summary.failuresTruncated) notes.push(`The minimap shows the first ${summary.failures.length} failures.`);
    this.note.textContent = notes.join(' ');
    this.note.hidden = notes.length === 0;
    this.scheduleFetch(0);
    this.draw();
  }

  /**
   * New failure markers and colours for the same trace (after an annotation edit), or the trace
   * grown: keep the window and the bars until the refetch. A window that showed the whole trace
   * goes on showing all of it as it grows; a zoomed one stays where it was.
   */
  updateSummary(summary: TraceSummary): void {
    const before = this.summary?.timeRange;
    const after = summary.timeRange;
    if (before && this.win.start <= before.start && this.win.end >= before.end) this.win = { start: Math.min(this.win.start, after.start), end: Math.max(this.win.end, after.end) };
    this.summary = summary;
    this.describe();
    this.scheduleFetch(0);
    this.draw();
  }

  /** The canvas is an image: say in words what its marks show. */
  private describe(): void {
    const s = this.summary;
    if (!s) return;
    const labelled = s.labelledStepCount ?? 0;
    const counts = s.failureCount
      ? `${s.failureCount} failing ${s.failureCount === 1 ? 'step' : 'steps'} marked with triangles${labelled ? `, ${labelled} labelled by the source marked with diamonds` : ''}. `
      : '';
    this.canvas.setAttribute('aria-label', `Timeline of ${counted(s.stepCount, 'step')}. ${counts}${CANVAS_HELP}`);
  }

  get window(): { start: number; end: number } {
    return { ...this.win };
  }

  select(sel: { index: number; start: number; end: number } | null): void {
    this.selected = sel;
    if (sel && (sel.end < this.win.start || sel.start > this.win.end)) {
      const w = this.win.end - this.win.start;
      this.setWindow(sel.start - w / 2 + (sel.end - sel.start) / 2, sel.start + w / 2 + (sel.end - sel.start) / 2);
    } else this.draw();
  }

  zoom(factor: number, anchorFraction = 0.5): void {
    const full = this.fullRange();
    const w = this.win.end - this.win.start;
    const minW = this.summary?.timeRange.hasTimestamps ? 1 : 4;
    const nw = Math.min(full.end - full.start, Math.max(minW, w * factor));
    const anchor = this.win.start + w * anchorFraction;
    this.setWindow(anchor - nw * anchorFraction, anchor - nw * anchorFraction + nw);
  }

  pan(fraction: number): void {
    const w = this.win.end - this.win.start;
    this.setWindow(this.win.start + w * fraction, this.win.end + w * fraction);
  }

  reset(): void {
    const f = this.fullRange();
    this.setWindow(f.start, f.end);
  }

  private fullRange(): { start: number; end: number } {
    return this.summary ? this.summary.timeRange : { start: 0, end: 1 };
  }

  private setWindow(start: number, end: number): void {
    const full = this.fullRange();
    const w = Math.min(end - start, full.end - full.start);
    let s = Math.max(full.start, Math.min(start, full.end - w));
    if (!Number.isFinite(s)) s = full.start;
    this.win = { start: s, end: s + w };
    this.deps.onWindowChange(this.window);
    this.scheduleFetch(60);
    this.draw();
  }

  private scheduleFetch(delay: number): void {
    clearTimeout(this.fetchTimer);
    this.fetchTimer = setTimeout(() => {
      const seq = ++this.fetchSeq;
      const { start, end } = this.win;
      this.deps.fetchBars(start, end, BAR_LIMIT).then((r) => {
        if (seq !== this.fetchSeq) return;
        this.bars = r.bars;
        this.truncated = r.truncated;
        this.draw();
      }, () => { /* keep the previous bars; the next pan or zoom asks again */ });
    }, delay);
  }

  private layout(): { width: number; laneH: number; lanesH: number } {
    const lanes = (this.summary?.maxDepth ?? 0) + 1;
    const laneH = Math.max(MIN_LANE_H, Math.min(MAX_LANE_H, Math.floor(MAX_LANES_H / lanes)));
    return { width: this.canvas.clientWidth || this.element.clientWidth || 600, laneH, lanesH: Math.min(MAX_LANES_H, lanes * laneH) };
  }

  /** Where time `t` is drawn in the lanes, `width` pixels wide (EDGE_INSET clear at each end). */
  private x(t: number, width: number): number {
    return EDGE_INSET + ((t - this.win.start) / (this.win.end - this.win.start)) * (width - 2 * EDGE_INSET);
  }

  draw(): void {
    const { width, laneH, lanesH } = this.layout();
    const height = AXIS_H + lanesH + 6 + MINIMAP_H;
    const dpr = window.devicePixelRatio || 1;
    this.canvas.style.height = `${height}px`;
    if (this.canvas.width !== Math.round(width * dpr) || this.canvas.height !== Math.round(height * dpr)) {
      this.canvas.width = Math.round(width * dpr);
      this.canvas.height = Math.round(height * dpr);
    }
    const ctx = this.canvas.getContext('2d');
    if (!ctx || !this.summary) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const css = getComputedStyle(document.body);
    const color = (v: string, fallback: string): string => css.getPropertyValue(v).trim() || fallback;
    const fg = color('--vscode-foreground', '#888');
    const muted = color('--vscode-descriptionForeground', '#888');
    const grid = color('--vscode-editorWidget-border', color('--vscode-panel-border', '#8884'));
    // Steps that went fine are neutral, so category colours (which include blue and green) stand out.
    const okBar = muted;
    const focus = color('--vscode-focusBorder', '#007fd4');
    const contrast = css.getPropertyValue('--vscode-contrastBorder').trim();
    const font = `${css.getPropertyValue('--vscode-font-size').trim() || '12px'} ${css.getPropertyValue('--vscode-font-family').trim() || 'sans-serif'}`;

    ctx.clearRect(0, 0, width, height);
    ctx.font = font.replace(/^\S+/, '11px');
    // Axis ticks.
    ctx.fillStyle = muted;
    ctx.strokeStyle = grid;
    ctx.lineWidth = 1;
    const origin = this.summary.timeRange.start;
    const { ticks: offsets, step } = niceTicks(this.win.start - origin, this.win.end - origin, Math.max(2, Math.floor(width / 110)), this.summary.timeRange.hasTimestamps);
    const ticks = offsets.map((t) => t + origin);
    // A label that would run under the "zoom in" note, or past the edge, is left out (its tick stays).
    const labelsEnd = width - (this.truncated ? ctx.measureText(TRUNCATED_NOTE).width + 12 : 2);
    for (const t of ticks) {
      const x = Math.round(this.x(t, width)) + 0.5;
      ctx.beginPath(); ctx.moveTo(x, AXIS_H - 4); ctx.lineTo(x, AXIS_H + lanesH); ctx.stroke();
      const label = this.tickLabel(t, step);
      if (x + 3 + ctx.measureText(label).width <= labelsEnd) ctx.fillText(label, x + 3, 11);
    }
    // Bars, ok ones first so failures are painted on top.
    const ordered = [...this.bars].sort((a, b) => Number(isFailed(a)) - Number(isFailed(b)));
    for (const b of ordered) {
      const x0 = this.x(b.start, width);
      const x1 = this.x(b.end, width);
      const y = AXIS_H + Math.min(b.depth, Math.floor(lanesH / laneH) - 1) * laneH + 1;
      const w = Math.max(2, x1 - x0);
      const failed = isFailed(b);
      ctx.fillStyle = failed ? color(b.category ? this.deps.colorOf(b.category) : '--vscode-charts-red', '#f14c4c') : okBar;
      if (isInstant(b)) {
        // An event with one time (OpenHands' and Inspect's events, a message): a dot, which a
        // 2 px sliver of a bar was not, to see or to click.
        ctx.globalAlpha = failed ? 1 : 0.75;
        ctx.beginPath(); ctx.arc(x0, y + (laneH - 2) / 2, instantRadius(laneH), 0, 2 * Math.PI); ctx.fill();
        if (contrast) { ctx.globalAlpha = 1; ctx.strokeStyle = contrast; ctx.stroke(); }
      } else {
        ctx.globalAlpha = failed ? 1 : b.kind === 'tool' ? 0.6 : 0.35;
        // A 1px gap between bars that touch (consecutive turns), once they are wide enough to spare it.
        ctx.fillRect(x0, y, w > 4 ? w - 1 : w, laneH - 2);
        if (contrast) { ctx.globalAlpha = 1; ctx.strokeStyle = contrast; ctx.strokeRect(x0 + 0.5, y + 0.5, w - 1, laneH - 3); }
      }
      if (failed) {
        // A marker above the lane, so a failure is visible even when its bar is a sliver:
        // a diamond in the label colour for a step the source labelled, else a triangle.
        ctx.globalAlpha = 1;
        const mx = x0 + Math.min(w, 6) / 2;
        if (b.labelled) {
          ctx.fillStyle = color(LABEL_MARK_COLOR, '#bc3fbc');
          diamond(ctx, mx, AXIS_H - 4, 4);
        } else {
          ctx.beginPath(); ctx.moveTo(mx - 4, AXIS_H - 6); ctx.lineTo(mx + 4, AXIS_H - 6); ctx.lineTo(mx, AXIS_H - 1); ctx.closePath(); ctx.fill();
        }
      }
    }
    ctx.globalAlpha = 1;
    if (this.selected) {
      const sel = this.bars.find((b) => b.index === this.selected?.index);
      const depth = sel?.depth ?? 0;
      const x0 = this.x(this.selected.start, width);
      const w = Math.max(3, this.x(this.selected.end, width) - x0);
      const y = AXIS_H + Math.min(depth, Math.floor(lanesH / laneH) - 1) * laneH;
      ctx.strokeStyle = focus;
      ctx.lineWidth = 2;
      ctx.strokeRect(x0 - 1, y, w + 2, laneH);
      ctx.lineWidth = 1;
    }
    if (this.truncated) {
      ctx.fillStyle = muted;
      ctx.fillText(TRUNCATED_NOTE, width - ctx.measureText(TRUNCATED_NOTE).width - 4, 11);
    }
    this.drawMinimap(ctx, width, AXIS_H + lanesH + 6, color, fg, grid, focus);
  }

  private drawMinimap(ctx: CanvasRenderingContext2D, width: number, top: number, color: (v: string, f: string) => string, fg: string, grid: string, focus: string): void {
    if (!this.summary) return;
    const full = this.summary.timeRange;
    const span = Math.max(1e-9, full.end - full.start);
    const mx = (t: number): number => ((t - full.start) / span) * width;
    ctx.fillStyle = color('--vscode-editorWidget-background', color('--vscode-sideBar-background', '#8882'));
    ctx.fillRect(0, top, width, MINIMAP_H);
    ctx.strokeStyle = grid;
    ctx.strokeRect(0.5, top + 0.5, width - 1, MINIMAP_H - 1);
    for (const f of this.summary.failures) {
      ctx.fillStyle = color(f.category ? this.deps.colorOf(f.category) : '--vscode-charts-red', '#f14c4c');
      // A failure at the very end is drawn inside the frame, not past it.
      ctx.fillRect(Math.min(width - 3, Math.floor(mx(f.start))), top + 2, 2, MINIMAP_H - 4);
    }

    const vx = mx(this.win.start);
    const vw = Math.max(3, mx(this.win.end) - vx);
    ctx.strokeStyle = focus;
    ctx.lineWidth = 1;
    ctx.strokeRect(vx + 0.5, top + 0.5, vw - 1, MINIMAP_H - 1);
    ctx.fillStyle = fg;
    ctx.globalAlpha = 0.08;
    ctx.fillRect(vx, top, vw, MINIMAP_H);
    ctx.globalAlpha = 1;
    // Labelled steps on top of everything, as diamonds: what a person or a benchmark said is what one looks for first.
    ctx.fillStyle = color(LABEL_MARK_COLOR, '#bc3fbc');
    for (const f of this.summary.failures) if (f.labelled) diamond(ctx, Math.floor(mx(f.start)) + 1, top + MINIMAP_H / 2, 4);
  }

  private tickLabel(t: number, step: number): string {
    if (!this.summary) return '';
    const full = this.summary.timeRange;
    if (!full.hasTimestamps) return `#${Math.round(t) + 1}`;
    return axisOffset(t - full.start, step);
  }

  private hit(e: PointerEvent | MouseEvent): { bar?: TimelineBar; minimap: boolean; fraction: number } {
    const rect = this.canvas.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    const { width, laneH, lanesH } = this.layout();
    const fraction = Math.max(0, Math.min(1, x / width));
    if (y >= AXIS_H + lanesH + 6) return { minimap: true, fraction };
    const lane = Math.floor((y - AXIS_H) / laneH);
    // The inverse of `x()`: the lanes leave EDGE_INSET clear at each end.
    const perPixel = (this.win.end - this.win.start) / (width - 2 * EDGE_INSET);
    const t = this.win.start + (x - EDGE_INSET) * perPixel;
    // Three pixels either side of a bar; a dot's radius and one more around an instant.
    const slop = (b: TimelineBar): number => (isInstant(b) ? instantRadius(laneH) + 1 : 3) * perPixel;
    const candidates = this.bars.filter((b) => Math.min(b.depth, Math.floor(lanesH / laneH) - 1) === lane && b.start - slop(b) <= t && b.end + slop(b) >= t);
    // Prefer failures, then the shortest bar (the most specific step under the pointer).
    candidates.sort((a, b) => Number(isFailed(b)) - Number(isFailed(a)) || (a.end - a.start) - (b.end - b.start));
    return { bar: candidates[0], minimap: false, fraction };
  }

  private onWheel(e: WheelEvent): void {
    const rect = this.canvas.getBoundingClientRect();
    const anchor = Math.max(0, Math.min(1, (e.clientX - rect.left - EDGE_INSET) / (rect.width - 2 * EDGE_INSET)));
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      this.zoom(e.deltaY > 0 ? 1.25 : 0.8, anchor);
    } else if (Math.abs(e.deltaX) > Math.abs(e.deltaY) || e.shiftKey) {
      e.preventDefault();
      this.pan((e.shiftKey ? e.deltaY : e.deltaX) / rect.width);
    }
  }

  private onPointerDown(e: PointerEvent): void {
    this.canvas.setPointerCapture(e.pointerId);
    this.drag = { x: e.clientX, start: this.win.start, end: this.win.end, moved: false };
  }

  private onPointerMove(e: PointerEvent): void {
    if (!this.drag) {
      this.showTooltip(this.hit(e).bar);
      return;
    }
    const dx = e.clientX - this.drag.x;
    if (Math.abs(dx) > 3) this.drag.moved = true;
    if (!this.drag.moved) return;
    const w = this.drag.end - this.drag.start;
    const dt = (-dx / (this.canvas.clientWidth || 1)) * w;
    this.setWindow(this.drag.start + dt, this.drag.end + dt);
  }

  /** The hovered bar's name, position, kind, duration and category as the canvas's tooltip. */
  private showTooltip(bar: TimelineBar | undefined): void {
    if ((bar?.index ?? null) === this.hovered) return;
    this.hovered = bar?.index ?? null;
    if (!bar) { this.canvas.removeAttribute('title'); return; }
    this.canvas.title = barTooltip(bar, this.summary?.timeRange.hasTimestamps ?? false);
  }

  private onPointerUp(e: PointerEvent): void {
    const wasDrag = this.drag?.moved;
    this.drag = null;
    if (wasDrag) return;
    const h = this.hit(e);
    if (h.minimap && this.summary) {
      const full = this.summary.timeRange;
      const center = full.start + h.fraction * (full.end - full.start);
      const w = this.win.end - this.win.start;
      this.setWindow(center - w / 2, center + w / 2);
    } else if (h.bar) this.deps.onSelect(h.bar.index);
  }

  private onKey(e: KeyboardEvent): void {
    const keys: Record<string, () => void> = {
      '+': () => this.zoom(0.8), '=': () => this.zoom(0.8), '-': () => this.zoom(1.25), '0': () => this.reset(),
      ArrowLeft: () => this.pan(-0.1), ArrowRight: () => this.pan(0.1),
    };
    const fn = keys[e.key];
    if (fn && !e.ctrlKey && !e.altKey && !e.metaKey) {
      fn();
      e.preventDefault();
      e.stopPropagation();
    }
  }

  /** Failure markers for tests and the legend. */
  get failures(): FailureMarker[] {
    return this.summary?.failures ?? [];
  }
}

function diamond(ctx: CanvasRenderingContext2D, x: number, y: number, r: number): void {
  ctx.beginPath(); ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r); ctx.lineTo(x - r, y); ctx.closePath(); ctx.fill();
}

/** "read_file", then "step 12 · tool · 230 ms · TOOL.RUNTIME": what a bar stands for, in words. */
export function barTooltip(b: TimelineBar, hasTimestamps: boolean): string {
  const facts = [`step ${b.index + 1}`, b.kind];
  if (hasTimestamps && b.end > b.start) facts.push(formatDuration(b.end - b.start));
  if (b.category) facts.push(b.category);
  else if (isFailed(b)) facts.push(b.status === 'error' ? 'failed' : 'failing');
  if (b.labelled) facts.push('labelled by the source');
  return `${withoutTerminalEscapes(b.name)}\n${facts.join(' · ')}`;
}

/** A step with one time, no duration: drawn as a dot. */
function isInstant(b: TimelineBar): boolean {
  return b.end <= b.start;
}

/** The dot's radius in a lane `laneH` pixels high: at most 4 px. */
function instantRadius(laneH: number): number {
  return Math.max(1.5, Math.min(4, (laneH - 2) / 2));
}

function isFailed(b: TimelineBar): boolean {
  return b.failing ?? (b.status === 'error' || b.category !== null || b.labelled === true);
}

/**
 * Tick positions covering [start, end], about `count` of them, and their spacing: a round number
 * of steps in decision order (1, 2, 5 × 10^k), a round duration on a time axis, and
 * at least 1 (a millisecond, or a step), since no label tells ticks closer than that apart.
 */
function niceTicks(start: number, end: number, count: number, time: boolean): { ticks: number[]; step: number } {
  const span = end - start;
  if (!(span > 0)) return { ticks: [start], step: 1 };
  const raw = Math.max(1, span / count);
  const step = time ? timeAxisSpacing(raw) : decimalSpacing(raw);
  const out: number[] = [];
  for (let t = Math.ceil(start / step) * step; t <= end && out.length < 200; t += step) out.push(t);
  return { ticks: out, step };
}

function decimalSpacing(raw: number): number {
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
}
