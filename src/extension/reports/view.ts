/**
 * Building blocks shared by the report pages: the header with its provenance badge and buttons,
 * notes, share bars. Everything goes through {@link html}, so all text is escaped.
 */
import { percentText } from '../../core/decisions/markdown';
import { ALLOW_UNTRUSTED_REMEDY, remedyFor, reportProvenance, SET_KEY_REMEDY, type Provenance, type Remedy } from '../../core/provenance';
import type { Finding } from '../../core/types';
import { html, join, type Html } from './html';

export { totalProvenance, type Provenance } from '../../core/provenance';

/** The button id of a remedy the panel runs itself: `run:` + its command id. */
function remedyAction(remedy: Remedy): string {
  return `run:${remedy.command}`;
}

/** Buttons the panel runs itself, whatever the report. */
export const SET_KEY_ACTION = remedyAction(SET_KEY_REMEDY);
export const ALLOW_UNTRUSTED_ACTION = remedyAction(ALLOW_UNTRUSTED_REMEDY);

export interface Action {
  id: string;
  label: string;
  /** Secondary buttons are quieter. */
  secondary?: boolean;
}

function provenanceActions(p: Provenance): Action[] {
  const remedy = p.exact ? undefined : remedyFor(p.reason);
  return remedy ? [{ id: remedyAction(remedy), label: remedy.title, secondary: true }] : [];
}

function button(a: Action): Html {
  return html`<button type="button" class="${a.secondary ? 'secondary' : 'primary'}" data-action="${a.id}">${a.label}</button>`;
}

/** The top of every report: what it is about, the facts that frame it, where numbers come from. */
export function header(o: { kicker: string; title: string; facts: (string | Html)[]; provenance: Provenance; actions?: Action[] }): Html {
  const p = o.provenance;
  const badge = p.exact && !p.mixed ? html`<span class="badge exact">exact</span>` : html`<span class="badge estimate">${p.mixed ? 'partly estimated' : '≈ estimate'}</span>`;
  const actions = [{ id: 'copy', label: 'Copy as Markdown' }, ...(o.actions ?? [])];
  return html`<header class="head">
  <div class="head-row">
    <div class="head-text"><p class="kicker">${o.kicker}</p><h1>${o.title}</h1></div>
    <div class="actions">${actions.map(button)}</div>
  </div>
  <p class="facts">${join(o.facts, ' · ')}</p>
  <p class="provenance">${badge} <span>${reportProvenance(p)}</span> ${provenanceActions(p).map(button)}</p>
</header>`;
}

export type NoteLevel = 'info' | 'warning' | 'error';

/** A list of notes, warnings first. */
export function notes(items: { level: NoteLevel; text: string | Html }[], title?: string): Html {
  if (items.length === 0) return html``;
  const order: Record<NoteLevel, number> = { error: 0, warning: 1, info: 2 };
  const sorted = [...items].sort((a, b) => order[a.level] - order[b.level]);
  const icon = (l: NoteLevel) => (l === 'info' ? 'ℹ' : '⚠');
  return html`<section class="notes">${title ? html`<h2>${title}</h2>` : ''}<ul>${sorted.map(
    (n) => html`<li class="note ${n.level}"><span class="note-icon" aria-hidden="true">${icon(n.level)}</span><span>${n.text}</span></li>`,
  )}</ul></section>`;
}

export function findingNotes(findings: readonly Finding[]): { level: NoteLevel; text: string }[] {
  return findings.map((f) => ({ level: f.severity, text: f.message }));
}

/** A thin bar showing a share in [0, 1], with the percentage beside it (SVG: no inline styles). */
export function shareBar(share: number, over = false): Html {
  const w = Math.max(0, Math.min(100, share * 100));
  return html`<span class="share"><svg class="sharebar${over ? ' over' : ''}" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true"><rect class="track" x="0" y="0" width="100" height="8"></rect><rect class="fill" x="0" y="0" width="${w.toFixed(2)}" height="8"></rect></svg><span class="share-text">${percentText(share)}</span></span>`;
}

/** A labelled figure, for the summary cards at the top of a report. */
export function figure(label: string, value: string, detail?: string, cls = ''): Html {
  return html`<div class="figure ${cls}"><div class="figure-label">${label}</div><div class="figure-value">${value}</div>${detail ? html`<div class="figure-detail">${detail}</div>` : ''}</div>`;
}

export function figures(items: Html[]): Html {
  return html`<section class="figures">${items}</section>`;
}

/** The Markdown put on the clipboard: the file and provenance, then the core's report. */
export function markdownWithSource(file: string, p: Provenance, body: string): string {
  return `\`${file}\` · ${reportProvenance(p)}\n\n${body}\n`;
}
