import { adviseCache, cacheAdviceMarkdown, type CacheAdvice } from '../../core/decisions/prompt-caching';
import { renderCache } from '../reports/prompt-caching';
import { markdownWithSource, totalProvenance, type Provenance } from '../reports/view';
import { clientFor, modeProvenance, type DecisionDeps } from './deps';
import { TITLES } from '../commandTable';
import { withCountProgress } from './progress';
import { resolveTarget, sourceOf, type Target } from './target';

/** "Token Lens: Advise on Prompt Caching". */
export async function adviseCacheCommand(deps: DecisionDeps, uri?: unknown, alwaysSuggest = false): Promise<void> {
  const target = await resolveTarget(deps.documents, deps.active, uri, `Token Lens: ${TITLES.cache}`);
  if (!target) return;
  const client = clientFor(deps.engine);
  const advice = await withCountProgress(`Token Lens: pricing prompt caching for ${target.name}…`, (signal) =>
    adviseCache(target.analysis, { signal, alwaysSuggest, ...(client ? { client } : {}) }),
  );
  if (!advice) return;
  const provenance = cacheProvenance(advice, target, deps);
  const view = {
    title: `Caching · ${target.name}`,
    body: renderCache(advice, target, provenance, alwaysSuggest),
    markdown: markdownWithSource(target.name, provenance, cacheAdviceMarkdown(advice)),
  };
  deps.panels.open('cache', sourceOf(target), view, {
    onAction: (id) => (id === 'suggest' ? adviseCacheCommand(deps, target.uri, true) : id === 'refresh' ? adviseCacheCommand(deps, target.uri, alwaysSuggest) : undefined),
  });
}

function cacheProvenance(advice: CacheAdvice, target: Target, deps: DecisionDeps): Provenance {
  const t = target.analysis.total;
  if (advice.exact) return { exact: true };
  if (!t.exact) return t.reason ? totalProvenance(t) : modeProvenance(deps.engine);
  return { exact: false, mixed: 'Prompt total exact (count_tokens); ≈ some prefixes estimated.' };
}
