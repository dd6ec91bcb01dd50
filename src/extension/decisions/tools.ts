import * as vscode from 'vscode';
import type { Analysis } from '../../core/analyze';
import { auditTools, toolAuditMarkdown, withoutTools, withoutToolsMarkdown, type ToolAudit, type WithoutToolsResult } from '../../core/decisions/tools';
import { renderAudit, withoutSection } from '../reports/tools';
import { markdownWithSource, totalProvenance, type Provenance } from '../reports/view';
import type { DecisionDeps } from './deps';
import { TITLES } from '../commandTable';
import type { ReportPanel, ReportView } from './panel';
import { fileName, resolveTarget, sourceOf, type Target } from './target';

/** The tool whose definition holds the cursor, if any. */
function toolAtCursor(target: Target): number | undefined {
  const editor = target.editor;
  if (!editor) return undefined;
  const offset = target.document.offsetAt(editor.selection.active);
  return target.doc.parts.find((p) => p.kind === 'tool' && p.range.start <= offset && offset <= p.range.end)?.index;
}

/**
 * "Token Lens: Audit Tool Overhead". From a tool's CodeLens with (uri, index): that tool is
 * highlighted and scrolled to; from the palette, the tool under the cursor is.
 */
export async function auditToolsCommand(deps: DecisionDeps, uri?: unknown, index?: unknown): Promise<void> {
  const target = await resolveTarget(deps.documents, deps.active, uri, `Token Lens: ${TITLES.tools}`);
  if (!target) return;
  if (!target.analysis.parts.some((p) => p.part.kind === 'tool')) {
    void vscode.window.showInformationMessage(`Token Lens: ${target.name} has no tool definitions to audit.`);
    return;
  }
  const focus = typeof index === 'number' && Number.isInteger(index) ? index : toolAtCursor(target);
  new ToolAuditReport(deps, target, focus).show();
}

/** One audit in its panel: follows the file as it changes, and the tools ticked off. */
class ToolAuditReport {
  private excluded = new Set<number>();
  private analysis: Analysis;
  private panel: ReportPanel | undefined;

  constructor(private readonly deps: DecisionDeps, private readonly target: Target, private readonly focus: number | undefined) {
    this.analysis = target.analysis;
  }

  show(): void {
    const { deps, target } = this;
    this.panel = deps.panels.open('tools', sourceOf(target), this.view(true), { onExclude: (indexes) => this.exclude(indexes) });
    this.panel.own(
      deps.documents.onDidChange((uri) => {
        if (uri.toString() === target.uri.toString()) this.refresh();
      }),
    );
  }

  private refresh(): void {
    const state = this.deps.documents.get(this.target.uri);
    if (!state?.analysis || state.parse?.status !== 'ok') return;
    const tools = new Set(state.analysis.parts.filter((p) => p.part.kind === 'tool').map((p) => p.part.index));
    this.excluded = new Set([...this.excluded].filter((i) => tools.has(i)));
    this.analysis = state.analysis;
    this.panel?.render(this.view(false), state.version);
  }

  private exclude(indexes: number[]): void {
    this.excluded = new Set(indexes);
    const without = this.without();
    this.panel?.patch('without', withoutSection(without, this.analysis), this.view(false, without));
  }

  private without(): WithoutToolsResult | undefined {
    return this.excluded.size > 0 ? withoutTools(this.analysis, this.excluded) : undefined;
  }

  private view(scroll: boolean, without = this.without()): ReportView {
    const a = this.analysis;
    const audit = auditTools(a, { threshold: this.deps.engine.optionsFor(this.target.uri).analyze.toolThreshold });
    const provenance = auditProvenance(a, audit);
    const name = fileName(this.target.uri);
    const md = toolAuditMarkdown(audit) + (without ? `\n\n${withoutToolsMarkdown(without)}` : '');
    return {
      title: `Tools · ${name}`,
      body: renderAudit(audit, a, name, provenance, this.excluded, this.focus, without),
      markdown: markdownWithSource(name, provenance, md),
      ...(scroll && this.focus !== undefined ? { scrollTo: `tool-${this.focus}` } : {}),
    };
  }
}

function auditProvenance(a: Analysis, audit: ToolAudit): Provenance {
  const t = a.total;
  if (!t.exact) return totalProvenance(t);
  if (!audit.toolsTotal.exact) return { exact: false, mixed: 'Total exact (count_tokens); ≈ some tools estimated.' };
  if (!audit.fixedOverhead.exact) return { exact: false, mixed: 'Total and every tool exact (count_tokens); the fixed tool-use prompt is ≈ apportioned from the remainder.' };
  return { exact: true };
}
