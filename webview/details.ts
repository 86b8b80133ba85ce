/**
 * The details of the selected step. Every string from the trace is set as text: chat messages
 * are shown verbatim (pre-wrapped), never parsed as HTML or Markdown, and nothing becomes a link.
 *
 * Long texts arrive shortened (`StepDetails.truncated`, see src/host/editor/details-page.ts): each
 * shows its beginning and a "Show more (N KB more)" button that fetches the whole text
 * (GetStepText) and puts it in place. Whole texts fetched stay while the same step is redrawn.
 *
 * A long conversation arrives without its middle (`StepDetails.elided`): the messages that set the
 * scene, a "Show N earlier messages (M KB)" button in place of the run left out, then the latest
 * messages. The button fetches the run (GetStepMessages, its texts cut as usual) and puts it in
 * place. Every message keeps the step's own index in its path, fetched or not.
 */
import { withoutTerminalEscapes } from './terminal-text';
import type { ChatMessage, ImportedLabel, Step, StepPayload } from '../src/core/model/schema';
import type { ElidedMessages, FindingInfo, StepDetails, StepPath, TruncatedText } from '../src/protocol/messages';
import type { TagInfo } from '../src/protocol/annotations';
import { diffView } from './diff-view';
import { formatCost } from './cost';
import { codicon, cssVar, el, formatDuration, isStoppedByUser, KIND_ICONS, REDACTED_STEP, REDACTED_STEP_TIP, STOPPED_BY_USER, STOPPED_BY_USER_TIP } from './dom';
import { jsonInText, jsonString, jsonTree } from './json-tree';
import { patchLineKinds } from './patch-text';
import { inputRepeatsArguments } from './repeated-input';

const MAX_TEXT = 100_000;

export interface DetailsDeps {
  onRevealInFile(index: number): void;
  onSelectIndex(index: number): void;
  /** Open the tag picker for the shown step. */
  onTag(): void;
  onRemoveTag(tag: TagInfo): void;
  /** `defaultCategory`: the detector's category that identifies the finding (the host's `FindingInfo.defaultCategory`). */
  onReviewFinding(f: { rule: string; category: string; defaultCategory?: string }, verdict: 'confirm' | 'reject'): void;
  onToggleReviewed(): void;
  onCorrect(): void;
  onClearCorrection(): void;
  /** The whole of a text of the shown step that arrived shortened (`path: []`: its Raw JSON). */
  fetchText(index: number, path: StepPath): Promise<string>;
  /** Messages of the shown step's input or output that were left out of its details (`StepDetails.elided`). */
  fetchMessages(index: number, at: 'input' | 'output', start: number, count: number): Promise<FetchedMessages>;
  /** A shortened text was replaced by its whole, or left-out messages were put in (search marks are drawn again). */
  onTextExpanded?(): void;
}

export interface FetchedMessages {
  messages: ChatMessage[];
  truncated: TruncatedText[];
}

/** The finding a rule entry decides, as `onReviewFinding` takes it (the host says which one). */
function decidedFinding(t: TagInfo): { rule: string; category: string; defaultCategory?: string } {
  return { rule: t.finding?.rule ?? t.rule ?? '', category: t.category, ...(t.finding ? { defaultCategory: t.finding.category } : {}) };
}

export class DetailsPane {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private current: StepDetails | null = null;
  private lastIndex: number | null = null;
  /** The shown step's shortened texts, by pathKey. */
  private cuts = new Map<string, TruncatedText>();
  /** Whole texts fetched for the shown step, by pathKey: kept while the same step is redrawn after an edit. */
  private readonly wholeTexts = new Map<string, string>();
  /** Left-out messages fetched for the shown step, by elidedKey: kept while the same step is redrawn after an edit. */
  private readonly fetchedMessages = new Map<string, FetchedMessages>();
  /** Changes when the step shown changes: a fetch that ends after that is dropped. */
  private textEpoch = 0;

  constructor(private readonly deps: DetailsDeps) {
    this.body = el('div', { className: 'details-body' });
    this.element = el('section', {
      className: 'details',
      attrs: { role: 'region', 'aria-label': 'Step details', tabindex: -1 },
    }, [this.body]);
    this.showEmpty('Select a step to see its details.');
  }

  get title(): string | null {
    return this.current?.step.name ?? null;
  }

  /** The step shown (null while empty or failed). */
  get shown(): StepDetails | null {
    return this.current;
  }

  /** The error text of the shown step as displayed (type, then message), or null. */
  get errorText(): string | null {
    const e = this.current?.step.error;
    if (!e) return null;
    return e.type ? `${e.type}: ${e.message}` : e.message;
  }

  showEmpty(message: string): void {
    this.current = null;
    this.forgetTexts();
    this.body.replaceChildren(el('div', { className: 'empty-state' }, [codicon('info'), el('p', { text: message })]));
  }

  showLoading(): void {
    this.element.setAttribute('aria-busy', 'true');
  }

  showError(message: string, retry: () => void): void {
    this.element.removeAttribute('aria-busy');
    this.current = null;
    this.body.replaceChildren(el('div', { className: 'empty-state error-state', attrs: { role: 'alert' } }, [
      codicon('warning'),
      el('p', { text: `Couldn't load this step: ${message}` }),
      el('vscode-button', { text: 'Retry', attrs: { secondary: true }, on: { click: retry } }),
    ]));
  }

  show(d: StepDetails, keepScroll = false): void {
    this.element.removeAttribute('aria-busy');
    // Sections the reader opened or closed stay that way when the same step is redrawn after an edit.
    const sameStep = keepScroll && this.lastIndex === d.step.index;
    if (!sameStep) this.forgetTexts();
    this.current = d;
    this.cuts = new Map((d.truncated ?? []).map((t) => [pathKey(t.path), t]));
    for (const gap of d.elided ?? []) for (const t of this.fetchedMessages.get(elidedKey(gap))?.truncated ?? []) this.cuts.set(pathKey(t.path), t);
    const s = d.step;
    const sections: (HTMLElement | null)[] = [
      this.header(d),
      this.tagsSection(d),
      this.correctionSection(d),
      d.findings.length ? section('Findings', d.findings.map((f) => this.findingView(d, f)), 'findings') : null,
      this.reviewedFindingsSection(d),
      // Labels imported with the trace say why a step without findings is failing: show them early.
      d.labels.length ? section('Imported labels', d.labels.map(labelView), 'labels') : null,
      s.error ? section('Error', [
        // The type goes on its own line: beside a long message it was squeezed to one letter per line.
        s.error.type ? el('div', { className: 'error-type-line' }, [codicon('error'), el('span', { className: 'error-type' }, breakAtDots(s.error.type))]) : null,
        el('div', { className: 'error-message-line' }, [s.error.type ? null : codicon('error'), this.text('span', 'error-message', s.error.message, ['error', 'message'])]),
        s.error.stack ? this.text('pre', 'stack', s.error.stack, ['error', 'stack']) : null,
      ], 'error') : null,
      s.toolCall ? section('Tool call', [
        el('div', { className: 'kv' }, [el('span', { className: 'k', text: 'Tool' }), el('code', { text: s.toolCall.name })]),
        s.toolCall.id ? el('div', { className: 'kv' }, [el('span', { className: 'k', text: 'Call id' }), el('code', { text: s.toolCall.id })]) : null,
        el('div', { className: 'k', text: 'Arguments' }),
        this.value(s.toolCall.arguments, ['toolCall', 'arguments']),
      ], 'tool-call') : null,
      // A tool step's input that is its call's arguments again (OTel and Agents SDK tool spans) is shown once, as the arguments.
      inputRepeatsArguments(s) ? null : this.payloadSection('Input', s.input, 'input'),
      this.payloadSection(s.kind === 'tool' ? 'Tool result' : 'Output', s.output, 'output'),
      this.metrics(d),
      // Open when nothing else says what the step was (an Inspect state change, whose patch is all it holds).
      Object.keys(s.attributes).length || this.cuts.has(pathKey(['attributes'])) ? section('Attributes', [this.value(s.attributes, ['attributes'], 0)], 'attributes', onlyAttributes(s)) : null,
      section('Raw JSON', [this.rawJson(d)], 'raw', false),
    ];
    const openState = sameStep ? new Map([...this.body.querySelectorAll<HTMLDetailsElement>(':scope > details')].map((e) => [e.dataset.section, e.open])) : null;
    const scroll = this.element.scrollTop;
    const focusKey = sameStep ? focusKeyOf(document.activeElement, this.body) : null;
    const shownSections = sections.filter((x): x is HTMLElement => x !== null);
    if (openState) for (const sec of shownSections) { const o = openState.get(sec.dataset.section); if (o !== undefined) (sec as HTMLDetailsElement).open = o; }
    this.body.replaceChildren(...shownSections);
    this.lastIndex = s.index;
    this.element.scrollTop = sameStep ? scroll : 0;
    if (focusKey) restoreFocus(this.body, focusKey, this.element);
  }

  private header(d: StepDetails): HTMLElement {
    const s = d.step;
    const a = d.annotations;
    const failed = d.failing ?? (s.status === 'error' || d.findings.length > 0);
    const stopped = isStoppedByUser(s.status, failed);
    const reveal = actionButton('Reveal in File', 'go-to-file', () => { if (d.canRevealInFile) this.deps.onRevealInFile(s.index); }, {
      disabled: !d.canRevealInFile, title: d.canRevealInFile ? 'Open the trace file at this step' : 'This step has no position in a text file',
    });
    const actions: HTMLElement[] = [];
    if (a) {
      actions.push(actionButton('Tag…', 'tag', () => this.deps.onTag(), { title: 'Tag this step with a failure category (t)', key: 't' }));
      const reviewed = actionButton(a.reviewed ? 'Reviewed' : 'Mark Reviewed', a.reviewed ? 'pass-filled' : 'pass', () => this.deps.onToggleReviewed(), {
        title: a.reviewed ? 'Reviewed, fine. Press r to unmark.' : 'Mark this step as reviewed and fine (r)', key: 'r', pressed: a.reviewed,
      });
      reviewed.classList.add('reviewed-toggle');
      actions.push(reviewed);
      if (a.correctable) {
        actions.push(actionButton(a.correction ? 'Edit Correction…' : 'Correct…', 'edit', () => this.deps.onCorrect(), { title: 'Write what the model should have answered here (e)', key: 'e' }));
      }
    }
    actions.push(reveal);
    return el('header', { className: 'details-header' }, [
      el('div', { className: 'details-title-row' }, [
        codicon(KIND_ICONS[s.kind] ?? 'circle-outline', s.kind),
        el('h2', { className: 'details-title', text: withoutTerminalEscapes(s.name) }),
        el('span', {
          className: `status-pill ${failed ? 'failed' : s.status}`,
          text: failed ? 'failed' : s.status === 'ok' ? 'ok' : stopped ? STOPPED_BY_USER : 'no status',
          attrs: { title: stopped ? STOPPED_BY_USER_TIP : undefined },
        }),
        d.redacted ? el('span', { className: 'status-pill redacted-pill', attrs: { title: REDACTED_STEP_TIP } }, [codicon('eye-closed'), el('span', { text: REDACTED_STEP })]) : null,
        d.labels.length ? el('span', { className: 'status-pill labelled-pill', attrs: { title: 'Labelled as a failure by the source (see Imported labels below)' } }, [codicon('bookmark'), el('span', { text: 'labelled' })]) : null,
        a?.reviewed ? el('span', { className: 'status-pill reviewed-pill' }, [codicon('check'), el('span', { text: 'reviewed' })]) : null,
        a?.correction ? el('span', { className: 'status-pill corrected-pill' }, [codicon('edit'), el('span', { text: 'corrected' })]) : null,
      ]),
      el('div', { className: 'details-meta' }, [
        el('span', { text: `Step ${s.index + 1}` }),
        el('span', { text: s.kind }),
        d.durationMs !== null ? el('span', { text: formatDuration(d.durationMs) }) : null,
        d.childCount ? el('span', { text: `${d.childCount} ${d.childCount === 1 ? 'child' : 'children'}` }) : null,
        d.parentIndex !== null ? linkButton(`Parent: step ${d.parentIndex + 1}`, () => this.deps.onSelectIndex(d.parentIndex as number)) : null,
      ]),
      el('div', { className: 'details-actions', attrs: { role: 'toolbar', 'aria-label': 'Step actions' } }, actions),
    ]);
  }

  /** The user's tags (human) and the findings they confirmed (rule), each with a remove button. */
  private tagsSection(d: StepDetails): HTMLElement | null {
    const tags = (d.annotations?.tags ?? []).filter((t) => t.status === 'confirmed');
    if (!tags.length) return null;
    return section(`Tags (${tags.length})`, tags.map((t) => {
      const chip = el('span', { className: 'tag-chip', text: t.category, attrs: { title: t.categoryName } });
      chip.style.setProperty('--chip-color', cssVar(t.color));
      const remove = t.source === 'human'
        ? el('button', {
          className: 'icon-button', attrs: { type: 'button', title: 'Remove this tag', 'aria-label': `Remove tag ${t.category}` },
          on: { click: () => this.deps.onRemoveTag(t) },
        }, [codicon('close')])
        : el('button', {
          className: 'icon-button', attrs: { type: 'button', title: 'Reject this finding', 'aria-label': `Reject finding ${t.category}` },
          on: { click: () => this.deps.onReviewFinding(decidedFinding(t), 'reject') },
        }, [codicon('close')]);
      const node = el('div', { className: 'tag', attrs: { 'data-category': t.category, 'data-source': t.source } }, [
        el('div', { className: 'finding-head' }, [
          chip, el('span', { className: 'finding-name', text: t.categoryName }),
          t.impact ? el('span', { className: `impact impact-${t.impact.toLowerCase()}`, text: t.impact }) : null,
          el('span', { className: 'tag-source', text: t.source === 'human' ? 'your tag' : `rule ${t.rule ?? ''}, confirmed` }),
          el('span', { className: 'spacer' }),
          remove,
        ]),
        t.description ? el('div', { className: 'tag-note', text: clip(t.description) }) : null,
        // A confirmed finding's evidence is already under Findings; show it only for human tags.
        t.evidence && t.source === 'human' ? el('div', { className: 'finding-evidence', text: clip(t.evidence) }) : null,
      ]);
      node.style.setProperty('--badge-color', cssVar(t.color));
      return node;
    }), 'tags');
  }

  private findingView(d: StepDetails, f: FindingInfo): HTMLElement {
    const badge = el('span', { className: 'category-badge', text: f.category });
    badge.style.setProperty('--badge-color', cssVar(f.color));
    // The host decides the review (one rule for the editor, the diagnostics and promotion).
    const confirmed = f.review === 'confirmed';
    const buttons = d.annotations ? el('div', { className: 'finding-actions' }, [
      confirmed
        ? el('span', { className: 'review-state confirmed' }, [codicon('check'), el('span', { text: 'Confirmed' })])
        : actionButton('Confirm', 'check', () => this.deps.onReviewFinding(f, 'confirm'), { title: 'Confirm: this finding is right (c)', key: 'c', small: true }),
      actionButton('Reject', 'close', () => this.deps.onReviewFinding(f, 'reject'), { title: 'Reject: a false alarm (x). It leaves the counts and n/p.', key: 'x', small: true }),
    ]) : null;
    const node = el('div', { className: `finding${confirmed ? ' is-confirmed' : ''}`, attrs: { 'data-rule': f.rule, 'data-category': f.category } }, [
      el('div', { className: 'finding-head' }, [
        badge, el('span', { className: 'finding-name', text: f.categoryName }),
        f.impact ? el('span', { className: `impact impact-${f.impact.toLowerCase()}`, text: f.impact }) : null,
        el('span', { className: 'finding-rule', text: `rule ${f.rule}` }),
      ]),
      el('div', { className: 'finding-evidence', text: clip(f.evidence) }),
      f.symptomStepIndex !== undefined ? linkButton(`Symptom at step ${f.symptomStepIndex + 1}`, () => this.deps.onSelectIndex(f.symptomStepIndex as number)) : null,
      buttons,
    ]);
    node.style.setProperty('--badge-color', cssVar(f.color));
    return node;
  }

  /** Findings the user reviewed: rejected ones are gone from the findings, so they can be restored here. */
  private reviewedFindingsSection(d: StepDetails): HTMLElement | null {
    const rule = (d.annotations?.tags ?? []).filter((t) => t.source === 'rule');
    if (!rule.length) return null;
    return section(`Reviewed findings (${rule.length})`, rule.map((t) => {
      const chip = el('span', { className: 'category-badge', text: t.category, attrs: { title: t.categoryName } });
      chip.style.setProperty('--badge-color', cssVar(t.color));
      const rejected = t.status === 'rejected';
      return el('div', { className: `reviewed-finding ${t.status}`, attrs: { 'data-rule': t.rule ?? '', 'data-category': t.category } }, [
        chip,
        el('span', { className: 'finding-name', text: t.categoryName }),
        el('span', { className: 'finding-rule', text: `rule ${t.rule ?? ''}` }),
        el('span', { className: `review-state ${t.status}` }, [codicon(rejected ? 'circle-slash' : 'check'), el('span', { text: t.status })]),
        el('span', { className: 'spacer' }),
        rejected
          ? linkButton('Undo reject', () => this.deps.onReviewFinding(decidedFinding(t), 'confirm'))
          : linkButton('Reject', () => this.deps.onReviewFinding(decidedFinding(t), 'reject')),
      ]);
    }), 'reviewed-findings', false);
  }

  private correctionSection(d: StepDetails): HTMLElement | null {
    const c = d.annotations?.correction;
    if (!c) return null;
    return section('Correction', [
      diffView(c.diff, { label: 'Diff between the original output and the correction' }),
      c.problems.length ? el('ul', { className: 'correction-problems' }, c.problems.map((p) => el('li', {}, [codicon('warning'), el('span', { text: p })]))) : null,
      el('div', { className: 'finding-actions' }, [
        actionButton('Edit…', 'edit', () => this.deps.onCorrect(), { title: 'Edit the correction (e)', small: true }),
        actionButton('Remove Correction', 'trash', () => this.deps.onClearCorrection(), { small: true }),
      ]),
    ], 'correction');
  }

  private payloadSection(title: string, p: StepPayload | undefined, at: 'input' | 'output'): HTMLElement | null {
    if (!p) return null;
    const parts: Node[] = [];
    const messages = p.messages ?? [];
    // The run left out sits at `gap.start`; the messages after it are the step's `i + gap.count`.
    const gap = this.current?.elided?.find((e) => e.at === at && e.start <= messages.length);
    messages.forEach((m, i) => {
      if (gap && i === gap.start) parts.push(...this.elidedMessages(gap, messages.length));
      parts.push(this.messageView(m, [at, 'messages', gap && i >= gap.start ? i + gap.count : i]));
    });
    if (gap && gap.start === messages.length) parts.push(...this.elidedMessages(gap, messages.length));
    if (p.value !== undefined) parts.push(this.value(p.value, [at, 'value']));
    return parts.length ? section(title, parts, title.toLowerCase().replace(/\s+/g, '-')) : null;
  }

  private messageView(m: ChatMessage, path: StepPath): HTMLElement {
    return el('div', { className: `message role-${m.role}${m.isError ? ' is-error' : ''}` }, [
      el('div', { className: 'message-role' }, [
        el('span', { text: m.role }),
        m.name ? el('span', { className: 'message-name', text: m.name }) : null,
        m.isError ? el('span', { className: 'status-pill failed', text: 'error' }) : null,
      ]),
      m.content !== null && m.content !== '' ? this.text('div', 'message-content', m.content, [...path, 'content']) : null,
      ...(m.toolCalls ?? []).map((c, i) => el('div', { className: 'message-tool-call' }, [
        codicon('tools'), el('code', { text: c.name }), this.value(c.arguments, [...path, 'toolCalls', i, 'arguments']),
      ])),
    ]);
  }

  /** The messages left out: fetched already (the same step redrawn), or a bar with "Show N earlier messages". */
  private elidedMessages(gap: ElidedMessages, kept: number): HTMLElement[] {
    const views = (r: FetchedMessages): HTMLElement[] => r.messages.map((m, k) => this.messageView(m, [gap.at, 'messages', gap.start + k]));
    const fetched = this.fetchedMessages.get(elidedKey(gap));
    if (fetched) return views(fetched);
    const index = this.current?.step.index ?? -1;
    const n = gap.count;
    const first = gap.start + 1;
    const note = n === 1 ? `Message ${first} of ${kept + n} is not loaded.` : `Messages ${first}–${first + n - 1} of ${kept + n} are not loaded.`;
    const bar = el('div', { className: 'shortened-bar elided-bar' }, [codicon('ellipsis'), el('span', { className: 'shortened-note', text: note })]);
    const wrapper = el('div', { className: 'elided-messages', attrs: { 'data-at': gap.at, 'data-start': gap.start, 'data-count': n } }, [bar]);
    this.fetchInPlace(wrapper, bar, {
      label: `Show ${n} earlier ${n === 1 ? 'message' : 'messages'} (${kb(gap.size)})`,
      title: 'Load the messages left out here from the trace file',
      className: 'show-earlier',
      failure: `Couldn't load the earlier ${n === 1 ? 'message' : 'messages'}`,
      fetch: () => this.deps.fetchMessages(index, gap.at, gap.start, n),
      keep: (r) => {
        this.fetchedMessages.set(elidedKey(gap), r);
        for (const t of r.truncated) this.cuts.set(pathKey(t.path), t);
      },
      render: views,
    });
    return [wrapper];
  }

  /** A text of the step at `path`: whole, or its beginning with "Show more" when it arrived shortened. */
  private text(tag: 'div' | 'span' | 'pre', className: string, value: string, path: StepPath): HTMLElement {
    const key = pathKey(path);
    const whole = this.wholeTexts.get(key);
    const shown = (t: string): HTMLElement => el(tag, { className, text: withoutTerminalEscapes(t) });
    if (whole !== undefined) return shown(whole);
    const cut = this.cuts.get(key);
    if (cut?.kind !== 'string') return shown(clip(value));
    return this.shortened(path, shown(value), shown, {
      more: cut.length - value.length, total: cut.length,
    });
  }

  /** Strings as text blocks; structured values as a JSON tree; a structure that arrived as the beginning of its JSON, as that text. */
  private value(v: unknown, path: StepPath, openDepth = 1): HTMLElement {
    const key = pathKey(path);
    const cut = this.cuts.get(key);
    if (cut?.kind === 'json') {
      const whole = this.wholeTexts.get(key);
      if (whole !== undefined) return jsonTextTree(whole, openDepth);
      const begin = cut.text ?? '';
      return this.shortened(path, el('pre', { className: 'value-text json-text', text: begin }), (t) => jsonTextTree(t, openDepth), {
        more: cut.length - begin.length, total: cut.length,
      });
    }
    if (typeof v === 'string') {
      // JSON in a string (a tool's JSON answer) as its tree, once it is here whole; Raw JSON keeps the text.
      const whole = this.wholeTexts.get(key) ?? (cut ? undefined : v);
      const inner = whole === undefined ? undefined : jsonInText(whole);
      if (inner) return el('div', { className: 'json-in-text', attrs: { title: 'JSON text, shown as a tree (the text is in Raw JSON)' } }, [jsonTree(inner, openDepth + 1)]);
      const patch = whole !== undefined && whole.length <= MAX_TEXT ? patchView(whole) : undefined;
      if (patch) return patch;
      return this.text('div', 'value-text', v, path);
    }
    // Shortened texts inside the tree: a string shows its full length, a structure its JSON's beginning.
    return jsonTree(v, openDepth, this.cuts.size ? { path, leaf: (p, x) => this.treeLeaf(p, x) } : {});
  }

  private treeLeaf(path: StepPath, v: unknown): HTMLElement | null {
    const key = pathKey(path);
    const cut = this.cuts.get(key);
    if (!cut) return null;
    if (cut.kind === 'json') return this.value(v, path, 0);
    return typeof v === 'string' ? jsonString(this.wholeTexts.get(key) ?? v, cut.length) : null;
  }

  /** The step as JSON; when long texts arrived shortened (or it is long), its beginning and "Show Full Raw JSON". */
  private rawJson(d: StepDetails): HTMLElement {
    const pre = (t: string): HTMLElement => el('pre', { className: 'raw-json', text: t });
    const whole = this.wholeTexts.get(pathKey([]));
    if (whole !== undefined) return pre(whole);
    const raw = JSON.stringify(d.step, null, 2);
    const shortened = d.truncated?.length ?? 0;
    const left = (d.elided ?? []).reduce((a, e) => a + e.count, 0);
    if (!shortened && !left && raw.length <= MAX_TEXT) return pre(raw);
    const notes = [
      shortened ? `${shortened} long ${shortened === 1 ? 'text is' : 'texts are'} shortened` : '',
      left ? `${left} ${left === 1 ? 'message is' : 'messages are'} left out` : '',
    ].filter(Boolean);
    return this.shortened([], pre(raw.slice(0, MAX_TEXT)), pre, {
      label: 'Show Full Raw JSON',
      note: notes.length ? `${notes.join(' and ')} here.` : `Showing the first ${kb(MAX_TEXT)}.`,
    });
  }

  /**
   * The beginning of a text with a "Show more" bar. The button fetches the whole text and puts
   * `render(whole)` in its place; a failure shows inline, with Retry.
   */
  private shortened(path: StepPath, shown: HTMLElement, render: (whole: string) => HTMLElement, o: { more?: number; total?: number; label?: string; note?: string }): HTMLElement {
    const key = pathKey(path);
    const index = this.current?.step.index ?? -1;
    const note = o.note ?? `Showing the first ${kb((o.total ?? 0) - (o.more ?? 0))} of ${kb(o.total ?? 0)}.`;
    const bar = el('div', { className: 'shortened-bar' }, [el('span', { className: 'shortened-note', text: note })]);
    const wrapper = el('div', { className: 'shortened', attrs: { 'data-path': key } }, [shown, bar]);
    this.fetchInPlace(wrapper, bar, {
      label: o.label ?? `Show more (${kb(o.more ?? 0)} more)`,
      title: 'Load the rest of this text from the trace file',
      className: 'show-more',
      failure: "Couldn't load the rest of this text",
      fetch: () => this.deps.fetchText(index, path),
      keep: (text) => this.wholeTexts.set(key, text),
      render: (text) => [render(text)],
    });
    return wrapper;
  }

  /**
   * A button at the end of `bar` that fetches, keeps the result (`keep`, even when the pane moved
   * on to a redraw of the same step) and puts `render(result)` in place of `wrapper`, moving the
   * focus there when the button had it; a failure shows inline in `bar`, with Retry.
   */
  private fetchInPlace<T>(wrapper: HTMLElement, bar: HTMLElement, o: {
    label: string; title: string; className: string; failure: string;
    fetch(): Promise<T>; keep(result: T): void; render(result: T): HTMLElement[];
  }): void {
    const button = actionButton(o.label, 'unfold', () => void load(), { small: true, title: o.title });
    button.classList.add(o.className);
    bar.append(button);
    const buttonText = button.querySelector('span:last-child') as HTMLElement;
    let error: HTMLElement | null = null;
    let busy = false;
    const load = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      const hadFocus = wrapper.contains(document.activeElement);
      const epoch = this.textEpoch;
      error?.remove();
      error = null;
      button.hidden = false;
      button.setAttribute('aria-busy', 'true');
      buttonText.textContent = 'Loading…';
      if (hadFocus) button.focus({ preventScroll: true });
      try {
        const result = await o.fetch();
        if (epoch !== this.textEpoch) return;
        o.keep(result);
        if (!wrapper.isConnected) return;
        const parts = o.render(result);
        wrapper.replaceWith(...parts);
        if (hadFocus && parts[0]) { parts[0].tabIndex = -1; parts[0].focus({ preventScroll: true }); }
        this.deps.onTextExpanded?.();
      } catch (e) {
        if (epoch !== this.textEpoch || !wrapper.isConnected) return;
        buttonText.textContent = o.label;
        button.hidden = true;
        const retry = actionButton('Retry', 'refresh', () => void load(), { small: true });
        error = el('div', { className: 'shortened-error', attrs: { role: 'alert' } }, [
          codicon('warning'), el('span', { text: `${o.failure}: ${e instanceof Error ? e.message : String(e)}` }), retry,
        ]);
        bar.append(error);
        if (hadFocus) retry.focus({ preventScroll: true });
      } finally {
        busy = false;
        button.removeAttribute('aria-busy');
      }
    };
  }

  private forgetTexts(): void {
    this.wholeTexts.clear();
    this.fetchedMessages.clear();
    this.textEpoch++;
  }

  private metrics(d: StepDetails): HTMLElement | null {
    const s = d.step;
    const rows: [string, string][] = [];
    if (s.model) rows.push(['Model', s.model]);
    if (d.durationMs !== null) rows.push(['Latency', formatDuration(d.durationMs)]);
    const tokens: [string, number | undefined][] = [
      ['Input tokens', s.usage?.inputTokens], ['Cache read tokens', s.usage?.cacheReadTokens], ['Cache write tokens', s.usage?.cacheWriteTokens],
      ['Output tokens', s.usage?.outputTokens], ['Reasoning tokens', s.usage?.reasoningTokens], ['Total tokens', s.usage?.totalTokens],
    ];
    for (const [label, n] of tokens) if (typeof n === 'number') rows.push([label, n.toLocaleString()]);
    if (s.usage?.cost !== undefined) rows.push(['Cost', formatCost(s.usage.cost)]);
    if (s.finishReason) rows.push(['Finish reason', s.finishReason]);
    if (!rows.length) return null;
    return section('Usage', [el('dl', { className: 'metrics' }, rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]))], 'usage');
  }
}

/** Whether the step's attributes are all it holds: no input, output, error or call. */
function onlyAttributes(s: StepDetails['step']): boolean {
  return s.input === undefined && s.output === undefined && !s.error && !s.toolCall;
}

function section(title: string, children: (Node | null)[], id: string, open = true): HTMLElement {
  const d = el('details', { className: `details-section section-${id}`, attrs: { open, 'data-section': id } }, [
    el('summary', {}, [el('h3', { text: title })]),
    el('div', { className: 'section-body' }, children),
  ]);
  return d;
}

function labelView(l: ImportedLabel): HTMLElement {
  return el('div', { className: 'label' }, [
    el('div', { className: 'finding-head' }, [
      el('span', { className: 'label-scheme', text: l.scheme }),
      el('span', { className: 'finding-name', text: l.category }),
      l.impact ? el('span', { className: `impact impact-${l.impact.toLowerCase()}`, text: l.impact }) : null,
    ]),
    l.description ? el('div', { text: clip(l.description) }) : null,
    l.evidence ? el('div', { className: 'finding-evidence', text: clip(l.evidence) }) : null,
    el('div', { className: 'label-origin', text: `from ${l.origin}` }),
  ]);
}

/**
 * Buttons in the pane are rebuilt after each edit. Remember the focused one by section and label,
 * so a keyboard user who pressed "Confirm" lands on the matching control again, not on <body>.
 */
function focusKeyOf(active: Element | null, body: HTMLElement): { section: string; label: string; n: number } | null {
  if (!(active instanceof HTMLElement) || !body.contains(active) || active.tagName !== 'BUTTON') return null;
  const sec = active.closest<HTMLElement>('[data-section]')?.dataset.section ?? 'header';
  const label = active.textContent ?? '';
  const scope = sec === 'header' ? body.querySelector('.details-header') : active.closest('[data-section]');
  const same = [...(scope?.querySelectorAll('button') ?? [])].filter((b) => (b.textContent ?? '') === label);
  return { section: sec, label, n: Math.max(0, same.indexOf(active as HTMLButtonElement)) };
}

function restoreFocus(body: HTMLElement, key: { section: string; label: string; n: number }, fallback: HTMLElement): void {
  const scope = key.section === 'header' ? body.querySelector('.details-header') : body.querySelector(`[data-section="${CSS.escape(key.section)}"]`);
  const same = [...(scope?.querySelectorAll<HTMLButtonElement>('button') ?? [])].filter((b) => (b.textContent ?? '') === key.label);
  const target = same[Math.min(key.n, same.length - 1)] ?? scope?.querySelector<HTMLButtonElement>('button') ?? null;
  (target ?? fallback).focus({ preventScroll: true });
}

function linkButton(text: string, onClick: () => void): HTMLElement {
  return el('button', { className: 'link-button', text, attrs: { type: 'button' }, on: { click: onClick } });
}

function actionButton(text: string, icon: string, onClick: () => void, o: { title?: string; disabled?: boolean; key?: string; pressed?: boolean; small?: boolean } = {}): HTMLElement {
  return el('button', {
    className: `button button-secondary${o.small ? ' button-small' : ''}`,
    attrs: {
      type: 'button', title: o.title, disabled: o.disabled, 'aria-keyshortcuts': o.key,
      'aria-pressed': o.pressed === undefined ? undefined : String(o.pressed),
    },
    on: { click: onClick },
  }, [codicon(icon), el('span', { text })]);
}

/** Long dotted names (`smolagents.utils.AgentExecutionError`) may break after each dot, not mid-word. */
function breakAtDots(name: string): Node[] {
  const parts = name.split(/(?<=\.)/);
  return parts.flatMap((p, i) => (i ? [document.createElement('wbr'), document.createTextNode(p)] : [document.createTextNode(p)]));
}

/** Map key of a run of messages left out. */
function elidedKey(e: ElidedMessages): string {
  return `${e.at}:${e.start}:${e.count}`;
}

/** Map key of a StepPath. */
function pathKey(path: StepPath): string {
  return JSON.stringify(path);
}

/** A size in KB of 1,024 UTF-16 code units (what DETAILS_TEXT_LIMIT counts). */
function kb(units: number): string {
  const k = Math.max(0, units) / 1024;
  const n = k >= 10 ? Math.round(k) : k > 0 ? Math.max(0.1, Math.round(k * 10) / 10) : 0;
  return `${n.toLocaleString('en-US')} KB`;
}

/** A structure's whole JSON as a tree (as text if it does not parse). */
function jsonTextTree(text: string, openDepth: number): HTMLElement {
  try {
    return jsonTree(JSON.parse(text), openDepth);
  } catch {
    return el('pre', { className: 'value-text json-text', text });
  }
}

/**
 * A unified diff (a submitted patch, `git diff`) as text with each line coloured as VS Code colours
 * a diff; the text itself is unchanged (it copies as it was). Undefined for any other text.
 */
function patchView(text: string): HTMLElement | undefined {
  const kinds = patchLineKinds(text);
  if (!kinds) return undefined;
  // A line each (a block, so its colour spans the width; copying keeps the line breaks).
  const rows = text.split('\n').map((line, i) => el('div', { className: `patch-line patch-${kinds[i]}`, text: line }));
  return el('div', { className: 'value-text patch-text', attrs: { title: 'a unified diff' } }, rows);
}

function clip(s: string): string {
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}\n… (${s.length - MAX_TEXT} more characters; see Raw JSON)` : s;
}

export type { Step };
