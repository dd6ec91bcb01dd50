/**
 * Fast mode and data residency: which one a request asks for (the request itself, a prompt file's
 * front matter, then the project or user settings), and what is wrong with asking it of a model.
 * The multipliers themselves are {@link priceModifiers}'.
 *
 * Pure TypeScript, no `vscode` import.
 */
import type { Finding, ParsedDocument, SourceRange } from '../types';
import type { PricingModes } from './cost';
import { fieldStatus } from './provenance';
import type { ModelInfo } from './types';

export type { PricingModes };

/** The `speed` values the API knows. */
export const SPEEDS: readonly string[] = ['standard', 'fast'];

/**
 * The pricing modes of one request: the document's own `speed` / `inference_geo` win over the
 * defaults (settings or `.tokenlens.json`). Empty values are dropped.
 */
export function pricingModesOf(doc: Pick<ParsedDocument, 'speed' | 'inferenceGeo'>, defaults: PricingModes | undefined): PricingModes {
  const speed = doc.speed ?? defaults?.speed;
  const inferenceGeo = doc.inferenceGeo ?? defaults?.inferenceGeo;
  return { ...(speed ? { speed } : {}), ...(inferenceGeo ? { inferenceGeo } : {}) };
}

function name(model: ModelInfo): string {
  return `${model.displayName} (${model.id})`;
}

function at<T extends Finding>(f: T, range: SourceRange | undefined): T {
  return range ? { ...f, range } : f;
}

/**
 * What is wrong with `modes` on `model`: a `speed` the API does not know, fast mode on a model
 * without it (rejected by the API; priced here at the standard rate, and said so), fast mode
 * whose price is unknown or UNCONFIRMED, `inference_geo` on a model that rejects it or a value
 * the model does not list. `fromDocument` says whether each mode came from the file (findings then
 * point at it) or from settings.
 */
export function pricingModeFindings(
  model: ModelInfo,
  modes: PricingModes,
  ranges: { speed?: SourceRange; inferenceGeo?: SourceRange } = {},
  fromSettings: { speed?: boolean; inferenceGeo?: boolean } = {},
): Finding[] {
  const findings: Finding[] = [];
  const via = (settings: boolean | undefined) => (settings ? ' (from settings)' : '');
  const speed = modes.speed;
  if (speed !== undefined && !SPEEDS.includes(speed)) {
    findings.push(at({ severity: 'warning', code: 'speed-invalid', message: `speed "${speed}"${via(fromSettings.speed)} is not one the API knows ("standard" or "fast"); priced at the standard rate.` }, ranges.speed));
  } else if (speed === 'fast') {
    if (!model.fastMode) {
      findings.push(at({
        severity: 'warning',
        code: 'fast-mode-unsupported',
        message: `speed "fast"${via(fromSettings.speed)}: ${name(model)} has no fast mode, so the API rejects the request. The price shown is the standard rate; remove speed or pick a model with fast mode.`,
      }, ranges.speed));
    } else if (model.fastMode.multiplier === undefined) {
      findings.push(at({
        severity: 'warning',
        code: 'fast-mode-price-unknown',
        message: `speed "fast"${via(fromSettings.speed)}: ${name(model)} has fast mode, but its price is not known, so the cost is shown as unknown. Set it with tokenLens.modelOverrides ("fastMode": { "multiplier": N }).`,
      }, ranges.speed));
    } else if (fieldStatus(model, 'fastMode.multiplier') !== 'confirmed') {
      findings.push(at({
        severity: 'info',
        code: 'fast-mode-unconfirmed',
        message: `Fast mode on ${name(model)} is priced at ${model.fastMode.multiplier}× the standard rate: unconfirmed (third-party price tables only).`,
      }, ranges.speed));
    }
  }
  const geo = modes.inferenceGeo;
  if (geo !== undefined) {
    if (!model.inferenceGeo) {
      findings.push(at({
        severity: fieldStatus(model, 'inferenceGeo') === 'confirmed' ? 'error' : 'warning',
        code: 'inference-geo-unsupported',
        message: `inference_geo "${geo}"${via(fromSettings.inferenceGeo)}: ${name(model)} does not accept inference_geo (Opus 4.6 and later models do); the API returns 400. Remove it or pick a newer model.`,
      }, ranges.inferenceGeo));
    } else if (model.inferenceGeo[geo] === undefined) {
      const known = Object.keys(model.inferenceGeo).map((g) => `"${g}"`).join(', ');
      findings.push(at({
        severity: 'warning',
        code: 'inference-geo-unknown',
        message: `inference_geo "${geo}"${via(fromSettings.inferenceGeo)} is not one ${name(model)} is known to accept (${known}); priced at the standard rate.`,
      }, ranges.inferenceGeo));
    }
  }
  return findings;
}
