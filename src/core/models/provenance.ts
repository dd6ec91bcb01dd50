/** Where each field of a model came from: reading and updating `source`, `unconfirmed` and `guessed`. */
import type { ModelInfo } from './types';

/** The source key of every field Token Lens assumed (defaults of a model nobody described). */
export const ASSUMPTION_SOURCE = { id: 'assumption', description: 'Token Lens assumption: no source states it; override it if it is wrong' };

function pathCovers(listed: string, path: string): boolean {
  return path === listed || path.startsWith(listed + '.');
}

/** The source key that applies to `path` (longest listed prefix), if any. */
export function sourceOf(model: ModelInfo, path: string): string | undefined {
  let best: string | undefined;
  for (const key of Object.keys(model.source)) {
    if (pathCovers(key, path) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : model.source[best];
}

/** Whether `path` (or a field containing it) is UNCONFIRMED or guessed. */
export function fieldStatus(model: ModelInfo, path: string): 'confirmed' | 'unconfirmed' | 'guessed' {
  if (model.guessed.some((g) => pathCovers(g, path))) return 'guessed';
  if (model.unconfirmed.some((u) => pathCovers(u, path))) return 'unconfirmed';
  return 'confirmed';
}

/** Records that `path` (and every field under it) now comes from `sourceId`. */
export function markProvenance(model: ModelInfo, path: string, sourceId: string, guessed = false): void {
  for (const key of Object.keys(model.source)) {
    if (key !== path && key.startsWith(path + '.')) delete model.source[key];
  }
  model.source[path] = sourceId;
  model.unconfirmed = model.unconfirmed.filter((p) => !pathCovers(path, p));
  model.guessed = model.guessed.filter((p) => !pathCovers(path, p));
  if (guessed) model.guessed.push(path);
}
