/**
 * Follow, like `tail -f`: while the trace file grows (a running agent writing to it), the newest
 * step stays selected and in view. It comes on by itself when the file starts growing, unless the
 * reader turned it off or has an older step selected; scrolling up or selecting an older step turns it off (the reader is
 * looking at something), End or `f` turns it back on. The button shows only while the file is live.
 */
import { toolbarButton } from './dom';

export interface FollowDeps {
  /** Select the last row and bring it into view (quietly: the host's debugger is not told). */
  selectLast(): Promise<void>;
  say(message: string): void;
}

export class Follow {
  readonly button: HTMLButtonElement;
  private live = false;
  private on = false;
  /** The reader's own choice in this tab, which a later growth spurt respects. */
  private chosen: boolean | undefined;
  /** Whether the reader's selection is on the last row (or there is none): then Follow may take over. */
  private atEnd = true;
  /** While Follow itself moves the list: the scroll and selection it causes are not the reader's. */
  private moving = false;

  constructor(private readonly deps: FollowDeps) {
    this.button = toolbarButton('debug-step-into', 'Follow', {
      className: 'follow-button',
      attrs: { hidden: '', 'aria-pressed': 'false', title: 'Follow the newest step while the trace file grows (f)' },
      on: { click: () => void this.toggle() },
    });
  }

  get isLive(): boolean {
    return this.live;
  }

  get following(): boolean {
    return this.on;
  }

  /** The host says whether the file is growing. Starting to grow turns Follow on unless the reader said no. */
  setLive(live: boolean): Promise<void> {
    if (live === this.live) return Promise.resolve();
    this.live = live;
    this.button.hidden = !live;
    if (!live) {
      this.deps.say('The trace file stopped growing.');
      return Promise.resolve();
    }
    // On by itself only when the reader is not looking at an older step.
    const on = this.chosen ?? this.atEnd;
    this.deps.say(on ? 'The trace file is growing: following its newest step (f stops).' : 'The trace file is growing (f follows its newest step).');
    return this.set(on, false);
  }

  /** Turn Follow on or off; `byReader` remembers it as the reader's choice. */
  async set(on: boolean, byReader: boolean): Promise<void> {
    if (byReader) this.chosen = on;
    const changed = on !== this.on;
    this.on = on;
    this.button.setAttribute('aria-pressed', String(on));
    if (byReader && changed) this.deps.say(on ? 'Following the newest step.' : 'Follow is off.');
    if (on) await this.showNewest();
  }

  toggle(): Promise<void> {
    return this.set(!this.on, true);
  }

  /** Rows were added at the end: keep the newest in view and selected. */
  async grew(): Promise<void> {
    if (this.on) await this.showNewest();
  }

  /** The list scrolled: away from the end, by the reader, turns Follow off. */
  scrolled(lastRowInView: boolean): void {
    if (!this.on || this.moving || lastRowInView) return;
    void this.set(false, true);
  }

  /** The reader selected a row: an older one turns Follow off. */
  selected(isLastRow: boolean): void {
    if (!this.moving) this.atEnd = isLastRow;
    if (!this.on || this.moving || isLastRow) return;
    void this.set(false, true);
  }

  /** While Follow moves the list, or the rows are being refreshed after growth, the reader is not scrolling. */
  async moveWithoutReader<T>(fn: () => Promise<T>): Promise<T> {
    const before = this.moving;
    this.moving = true;
    try {
      return await fn();
    } finally {
      this.moving = before;
    }
  }

  private showNewest(): Promise<void> {
    return this.moveWithoutReader(() => this.deps.selectLast());
  }
}
