/** What the tests expect, computed from the trace file with the core (independently of the UI). */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type * as vscode from 'vscode';
import { analyzeBytes } from '../../../src/host/analysis/core-api';
import { isStepErrorLabel } from '../../../src/core/model/labels';
import type { Step } from '../../../src/core/model/schema';

export interface Expected {
  steps: Step[];
  /** Steps the editor counts as failures: error status, at least one finding, or an imported error label. */
  failing: Step[];
  /** Steps with a finding (what diagnostics and CodeLenses are made of). */
  withFindings: Step[];
}

export function expectedFor(uri: vscode.Uri): Expected {
  // The trace editor reads label files beside the trace (TRAIL's annotations), as here.
  const readSibling = (rel: string): Uint8Array | undefined => {
    try { return readFileSync(resolve(dirname(uri.fsPath), rel)); } catch { return undefined; }
  };
  const analysis = analyzeBytes(uri.fsPath, readFileSync(uri.fsPath), undefined, { readSibling });
  const { trace, findings } = analysis.analyses[0];
  const found = new Set(findings.map((f) => f.stepId));
  const labelled = new Set(trace.labels.filter(isStepErrorLabel).map((l) => l.stepId));
  const steps = [...trace.steps].sort((a, b) => a.index - b.index);
  return {
    steps,
    failing: steps.filter((s) => s.status === 'error' || found.has(s.id) || labelled.has(s.id)),
    withFindings: steps.filter((s) => found.has(s.id)),
  };
}
