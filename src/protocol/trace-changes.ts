/**
 * The trace file changed on disk (another program appended to it or rewrote it): the host has
 * already read it again; the webview asks for what it shows, and keeps the selected step by its
 * stable id.
 */
import { notificationType, requestType } from './rpc';
import type { ReadyResult } from './messages';

export interface TraceChangedParams {
  /**
   * `appended`: rows shown before keep their places (steps were added at the end, or changed where
   * they were: fetch the rows and details shown again); `rewritten`: anything else.
   */
  kind: 'appended' | 'rewritten';
  /** Steps per run, now. */
  stepCounts: number[];
  /**
   * A rewrite of the same runs: per run, how many leading steps kept their ids and places (the
   * page keeps their rows' state, collapsed ones included, and refreshes in place); absent when
   * runs came or went.
   */
  placesKept?: number[];
}

/** Host → webview: the trace was read again. */
export const TraceChanged = notificationType<TraceChangedParams>('traceChanged');

/** The file's runs and warnings as they are now (what `ready` answered when the page loaded). */
export const GetFileInfo = requestType<Record<string, never>, ReadyResult>('fileInfo');

/** A step's position by its stable id, in one run; null when that run no longer has it. */
export const LocateStepById = requestType<{ traceIndex: number; stepId: string }, { index: number | null }>('locateStepById');

/** Webview → host: stop reading a file still being opened; the steps read so far stay shown. */
export const CancelLoad = requestType<Record<string, never>, { cancelled: boolean }>('cancelLoad');

export interface LiveStateParams {
  /** The file grew since it was opened and was last written less than a quiet period ago. */
  live: boolean;
}

/** Host → webview: the trace file started or stopped growing (a running agent writing to it). */
export const LiveStateChanged = notificationType<LiveStateParams>('liveState');

/** Host → webview: turn Follow on or off (the status bar item, the Toggle Follow command); no value toggles. */
export const SetFollow = notificationType<{ follow?: boolean }>('setFollow');
