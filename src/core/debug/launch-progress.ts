/**
 * A launch's progress as DAP progress events, for clients that announce `supportsProgressReporting`
 * (VS Code shows a notification with the file and what the launch is doing). A launch reads the
 * file through the engine's document loader, which finds the failures as it reads: tens of seconds
 * at 10^6 steps, where the Debug Console's one "loading" line said nothing more. An update is sent
 * only when what it says changes (a read as a stream reports every chunk: the percentage is sent
 * when its whole number changes). A file the loader reads whole says only that it is reading; one
 * it streams (agent-trace/v1 lines from 4 MB, documents over V8's string limit) how far.
 */
import { basename } from 'node:path';
import { ProgressEndEvent, ProgressStartEvent, ProgressUpdateEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { LaunchProgress } from './runtime';

export class LaunchProgressEvents {
  private started = false;
  private shown = '';
  /** The file's size as shown while it is read. */
  private fileMb = '';

  constructor(private readonly send: (event: DebugProtocol.Event) => void, readonly progressId: string, private readonly cancellable = false) {}

  /** The launch of `file` (`bytes` long) begins to load. */
  start(file: string, bytes: number): void {
    this.fileMb = Math.round(bytes / 2 ** 20).toLocaleString('en-US');
    const event = new ProgressStartEvent(this.progressId, `Loading ${basename(file)}`, `${this.fileMb} MB`) as DebugProtocol.ProgressStartEvent;
    event.body.percentage = 0;
    if (this.cancellable) event.body.cancellable = true;
    this.send(event);
    this.started = true;
  }

  update(progress: LaunchProgress): void {
    if (!this.started) return;
    const { message, percentage } = described(progress, this.fileMb);
    const shown = `${message}\u0000${percentage ?? ''}`;
    if (shown === this.shown) return;
    this.shown = shown;
    const event = new ProgressUpdateEvent(this.progressId, message) as DebugProtocol.ProgressUpdateEvent;
    if (percentage !== undefined) event.body.percentage = percentage;
    this.send(event);
  }

  /** The launch loaded, or failed (`message` says so); nothing is sent when it never started. */
  end(message?: string): void {
    if (!this.started) return;
    this.started = false;
    this.send(new ProgressEndEvent(this.progressId, message));
  }
}

/** Where indexing starts on the bar: reading (failures found as it goes) takes nearly all of a launch. */
const INDEXING_FROM = 95;

function described(progress: LaunchProgress, fileMb: string): { message: string; percentage?: number } {
  switch (progress.phase) {
    case 'reading': {
      const message = `reading ${fileMb} MB, finding failures`;
      return progress.fraction === undefined ? { message } : { message, percentage: Math.floor(Math.min(1, progress.fraction) * INDEXING_FROM) };
    }
    case 'indexing':
      return { message: `indexing ${progress.steps.toLocaleString('en-US')} steps`, percentage: INDEXING_FROM };
  }
}
