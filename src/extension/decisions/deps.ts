import type * as vscode from 'vscode';
import type { CountingClient } from '../../core/client/counting-client';
import { clientOf, reasonOf } from '../../core/counting';
import type { DocumentService } from '../documents';
import type { Engine } from '../engine';
import type { ReportPanels } from './panel';
import type { ActiveEditors } from '../activeEditors';
import type { TrimPreviews } from './trimPreview';
import type { Provenance } from '../reports/view';

/** What every decision command needs. */
export interface DecisionDeps {
  context: vscode.ExtensionContext;
  engine: Engine;
  documents: DocumentService;
  active: ActiveEditors;
  panels: ReportPanels;
  previews: TrimPreviews;
}

/** The counting client when exact counts are possible now, else undefined (estimates). */
export function clientFor(engine: Engine): CountingClient | undefined {
  return clientOf(engine.counting);
}

/** Why counts will be estimates before any call is made (the engine's mode), or exact. */
export function modeProvenance(engine: Engine): Provenance {
  const reason = reasonOf(engine.counting);
  return reason ? { exact: false, reason } : { exact: true };
}
