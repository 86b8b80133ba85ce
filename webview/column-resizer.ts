/**
 * The splitter on the right edge of the step list's "Step" column: drag it, or focus it and use
 * ←/→ (Shift for bigger steps), Home/End for the narrowest/widest, Enter or a double-click to go
 * back to the automatic width. It is an ARIA `separator` with its value in pixels. The width is a
 * CSS variable on the list pane, so the header and every row follow; the owner persists it.
 */
import { el } from './dom';

export const MIN_STEP_COLUMN = 120;
const KEY_STEP = 16;
const BIG_STEP = 64;
/**
 * Room the other columns keep when the step column grows: index 48, marks 40, status 20, time at
 * least 56, five gaps of 6, the row's padding 12 and 44 for the category (`calc(100% - 238px)` in
 * trace-editor.css is the same bound on the row's content box).
 */
const OTHER_COLUMNS = 250;

export interface ColumnResizerDeps {
  /** The element that holds the header and the rows (the width applies to it). */
  pane: HTMLElement;
  /** The user changed the width (null: back to automatic). */
  onChange(width: number | null): void;
}

export class ColumnResizer {
  readonly element: HTMLElement;
  private width: number | null = null;
  private drag: { x: number; width: number } | null = null;

  constructor(private readonly deps: ColumnResizerDeps) {
    this.element = el('div', {
      className: 'column-splitter',
      attrs: {
        role: 'separator', tabindex: 0, 'aria-orientation': 'vertical', 'aria-label': 'Resize the step column',
        title: 'Drag, or focus and press ←/→, to resize the step column. Double-click or Enter: automatic width.',
      },
      on: {
        keydown: (e) => this.onKey(e),
        pointerdown: (e) => this.onPointerDown(e),
        pointermove: (e) => this.onPointerMove(e),
        pointerup: (e) => this.onPointerUp(e),
        dblclick: () => this.set(null, true),
      },
    });
    new ResizeObserver(() => this.updateAria()).observe(deps.pane);
  }

  /** The width in px, or null when automatic. */
  get value(): number | null {
    return this.width;
  }

  /** Apply a saved width (no change event). Non-numbers and nonsense become automatic. */
  restore(width: unknown): void {
    this.set(typeof width === 'number' && Number.isFinite(width) && width > 0 ? width : null, false);
  }

  private maxWidth(): number {
    return Math.max(MIN_STEP_COLUMN, (this.deps.pane.clientWidth || 800) - OTHER_COLUMNS);
  }

  /** The width shown now: the set one (clamped), else the column as laid out. */
  private current(): number {
    if (this.width !== null) return Math.min(this.maxWidth(), this.width);
    const cell = this.element.parentElement;
    return Math.round(cell?.getBoundingClientRect().width || MIN_STEP_COLUMN);
  }

  private set(width: number | null, notify: boolean): void {
    // Clamped when set; the CSS clamps again when the pane later gets narrower.
    this.width = width === null ? null : Math.round(Math.max(MIN_STEP_COLUMN, Math.min(this.maxWidth(), width)));
    const pane = this.deps.pane;
    if (this.width === null) {
      pane.style.removeProperty('--step-col-width');
      pane.classList.remove('step-col-sized');
    } else {
      pane.style.setProperty('--step-col-width', `${this.width}px`);
      pane.classList.add('step-col-sized');
    }
    this.updateAria();
    if (notify) this.deps.onChange(this.width);
  }

  private updateAria(): void {
    const now = this.current();
    this.element.setAttribute('aria-valuemin', String(MIN_STEP_COLUMN));
    this.element.setAttribute('aria-valuemax', String(this.maxWidth()));
    this.element.setAttribute('aria-valuenow', String(now));
    this.element.setAttribute('aria-valuetext', this.width === null ? `automatic, ${now} pixels` : `${now} pixels`);
  }

  private onKey(e: KeyboardEvent): void {
    const step = e.shiftKey ? BIG_STEP : KEY_STEP;
    const keys: Record<string, () => number | null> = {
      ArrowLeft: () => this.current() - step,
      ArrowRight: () => this.current() + step,
      Home: () => MIN_STEP_COLUMN,
      End: () => this.maxWidth(),
      Enter: () => null,
    };
    const fn = keys[e.key];
    if (!fn || e.ctrlKey || e.metaKey || e.altKey) return;
    // The editor's own keys (←/→ collapse, Home/End first/last step) must not also run.
    e.preventDefault();
    e.stopPropagation();
    this.set(fn(), true);
  }

  private onPointerDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    this.element.setPointerCapture(e.pointerId);
    this.drag = { x: e.clientX, width: this.current() };
    this.element.classList.add('dragging');
    e.preventDefault();
  }

  private onPointerMove(e: PointerEvent): void {
    if (!this.drag) return;
    this.set(this.drag.width + (e.clientX - this.drag.x), false);
  }

  private onPointerUp(e: PointerEvent): void {
    if (!this.drag) return;
    this.element.releasePointerCapture(e.pointerId);
    this.element.classList.remove('dragging');
    const moved = e.clientX !== this.drag.x;
    this.drag = null;
    if (moved) this.deps.onChange(this.width);
  }
}
