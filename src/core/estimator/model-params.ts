/**
 * Per-model request overheads of the offline estimator, read from the `estimator` section of
 * `models.json` (the one place these numbers live, each with its source).
 *
 * A model id maps to a generation by its version (below 4.5, 4.5-4.6, 4.7, 4.8 and later; an id
 * with no readable version is taken as the newest). A model's values are its own entry under
 * `estimator.models` where the data measured that model, then its generation's, then the nearest
 * older generation's; {@link ModelParams.fallbacks} names what came from where, for the notes.
 */

import type { TokenizerFamily } from '../types';
import { parseModelId } from '../models/model-ids';
import table from '../models/models.json';

/** Image resize limits and token rule of a model. */
export interface ImageRule {
  /** Longest edge after the API's downscaling, px. */
  maxLongEdge: number;
  /** Largest area after downscaling, px². */
  maxPixels: number;
  /** Largest number of tiles (tokens) one image may cost. */
  maxTokens: number;
}

/** The fitted and documented numbers of one generation or model (every field optional in the table). */
export interface OverheadValues {
  /** Framing: `fixed` once per request, `perMessage` per message (the system prompt adds none). */
  framingFixed: number;
  framingPerMessage: number;
  /** Framing tokens a final assistant message (a prefill) costs less than another message. */
  prefillCredit: number;
  /** Hidden tool-use system prompt with tool_choice auto/none/absent, and with any/tool. */
  toolPromptAuto: number;
  toolPromptForced: number;
  /** Hidden prompts of `thinking: {type: enabled}` and `{type: adaptive}`. */
  thinkingEnabled: number;
  thinkingAdaptive: number;
  /** Hidden prompt of structured output (`output_config.format`). */
  outputFormat: number;
  /** Hidden prompt of a task budget (`output_config.task_budget`). */
  taskBudget: number;
  /** Wrapper tokens of a `tool_use` block around its name and JSON input. */
  toolUseBlock: number;
  /** Wrapper tokens of a `tool_result` block around its content. */
  toolResultBlock: number;
  /** Wrapper tokens of a text `document` block (`text` or `content` source) around its text; PDFs have `pdfPage`. */
  documentBlock: number;
  /** Tokens of an image block beyond its tiles. */
  imageBlock: number;
  /** Tokens of a PDF page beyond the text it holds (the page image and its wrapper). */
  pdfPage: number;
  /** Multiplier on the documented Anthropic-defined tool costs (bash 245, text editor 700, computer 735). */
  anthropicToolScale: number;
  image: ImageRule;
}

/** The keys of {@link OverheadValues} fitted from data (numbers). */
export const FITTED_KEYS = [
  'framingFixed',
  'framingPerMessage',
  'prefillCredit',
  'toolPromptAuto',
  'toolPromptForced',
  'thinkingEnabled',
  'thinkingAdaptive',
  'outputFormat',
  'taskBudget',
  'toolUseBlock',
  'toolResultBlock',
  'documentBlock',
  'imageBlock',
  'pdfPage',
] as const satisfies readonly (keyof OverheadValues)[];
export type FittedKey = (typeof FITTED_KEYS)[number];

/** Estimator generations, oldest first. */
export const GENERATIONS = ['claude-4.0', 'claude-4.5', 'claude-4.7', 'claude-4.8'] as const;
export type Generation = (typeof GENERATIONS)[number];

/** A model's resolved numbers, with where they came from. */
export interface ModelParams extends OverheadValues {
  generation: Generation;
  /** The model id the values were looked up for (undefined: the family's reference model). */
  model: string | undefined;
  /** Per value: `model <id>`, `generation <g>` or `generation <g> (fallback)`. */
  origin: Partial<Record<keyof OverheadValues, string>>;
  /** Values whose table entry says no measured case shows them (`priorOnly`): assumptions. */
  assumed: Partial<Record<keyof OverheadValues, true>>;
  /** The models (and their numbers of cases) the generation's values were fitted on. */
  measuredOn: Record<string, number>;
}

/** One entry of the table: any subset of the values, plus sources per key. */
export type OverheadEntry = Partial<OverheadValues> & {
  source?: Record<string, string>;
  /** Models whose exact counts the fitted values rest on, with their number of cases. */
  measuredOn?: Record<string, number>;
  /** Per fitted constant, how many cases show it (framing: the generation's own; the rest: its fit group's). */
  casesPerConstant?: Partial<Record<string, number>>;
  /** Fitted constants no case shows: they are their priors. */
  priorOnly?: string[];
  note?: string;
};

/** The `estimator` section of models.json. */
export interface EstimatorTable {
  generations: Partial<Record<Generation, OverheadEntry>>;
  models?: Record<string, OverheadEntry>;
}

/**
 * Built-in last resort when the table lacks a value even for the oldest generation: the documented
 * Claude 4.0 figures and the assumptions of earlier versions. Never reached with the shipped table.
 */
const LAST_RESORT: OverheadValues = {
  framingFixed: 4,
  framingPerMessage: 3,
  prefillCredit: 0,
  toolPromptAuto: 346,
  toolPromptForced: 313,
  thinkingEnabled: 0,
  thinkingAdaptive: 0,
  outputFormat: 0,
  taskBudget: 0,
  toolUseBlock: 10,
  toolResultBlock: 6,
  documentBlock: 0,
  imageBlock: 3,
  pdfPage: 1600,
  anthropicToolScale: 1,
  image: { maxLongEdge: 1568, maxPixels: 1092 * 1092, maxTokens: 1600 },
};

/** The generation that stands for a tokenizer family when no model id is known. */
export const FAMILY_REFERENCE_GENERATION: Record<TokenizerFamily, Generation> = {
  'claude-4': 'claude-4.5', // Opus 4.6, whose counts the text samples carry
  'claude-4.7': 'claude-4.7', // Opus 4.7
};

/** The tokenizer family of a generation. */
export function familyOfGeneration(g: Generation): TokenizerFamily {
  return g === 'claude-4.0' || g === 'claude-4.5' ? 'claude-4' : 'claude-4.7';
}

/** Generation of a model id by its version; no readable version: the newest. */
export function generationOf(modelId: string | undefined, family?: TokenizerFamily): Generation {
  if (modelId === undefined || modelId === '') return family ? FAMILY_REFERENCE_GENERATION[family] : 'claude-4.5';
  const { major, minor } = parseModelId(modelId);
  if (major === undefined) return 'claude-4.8';
  const v = major + (minor ?? 0) / 10;
  if (v < 4.45) return 'claude-4.0';
  if (v < 4.65) return 'claude-4.5';
  if (v < 4.75) return 'claude-4.7';
  return 'claude-4.8';
}

let active: EstimatorTable = readTable(table);

function readTable(json: unknown): EstimatorTable {
  const e = json !== null && typeof json === 'object' ? (json as { estimator?: unknown }).estimator : undefined;
  const t = e !== null && typeof e === 'object' ? (e as Partial<EstimatorTable>) : {};
  return { generations: t.generations ?? {}, models: t.models ?? {} };
}

/** The table in use (the shipped one unless {@link withEstimatorTable} is running). */
export function estimatorTable(): EstimatorTable {
  return active;
}

/** Runs `fn` with `t` as the table (fitting and cross-validation); synchronous, restores the shipped one. */
export function withEstimatorTable<T>(t: EstimatorTable, fn: () => T): T {
  const saved = active;
  active = t;
  try {
    return fn();
  } finally {
    active = saved;
  }
}

function findModelEntry(t: EstimatorTable, modelId: string | undefined): [string, OverheadEntry] | undefined {
  if (!modelId || !t.models) return undefined;
  const id = modelId.toLowerCase();
  for (const [key, entry] of Object.entries(t.models)) {
    // the id itself, or a dated or suffixed variant of it (claude-sonnet-4-5-20250929)
    if (id === key || id.startsWith(key + '-')) return [key, entry];
  }
  return undefined;
}

/**
 * The estimator's numbers for `modelId` (or, without one, for the reference model of `family`).
 * Never throws; every value is defined.
 */
export function modelParams(modelId: string | undefined, family?: TokenizerFamily): ModelParams {
  const t = active;
  const generation = generationOf(modelId, family);
  const own = findModelEntry(t, modelId);
  const out = { ...LAST_RESORT, image: { ...LAST_RESORT.image }, generation, model: modelId, origin: {}, assumed: {}, measuredOn: { ...(t.generations[generation]?.measuredOn ?? {}) } } as ModelParams;
  const keys = Object.keys(LAST_RESORT) as (keyof OverheadValues)[];
  const chain: [string, OverheadEntry | undefined][] = [];
  if (own) chain.push([`model ${own[0]}`, own[1]]);
  for (let g = GENERATIONS.indexOf(generation); g >= 0; g--) {
    const name = GENERATIONS[g]!;
    chain.push([name === generation ? `generation ${name}` : `generation ${name} (fallback)`, t.generations[name]]);
  }
  for (const key of keys) {
    for (const [label, entry] of chain) {
      const v = entry?.[key];
      if (key === 'image' ? isImageRule(v) : typeof v === 'number' && Number.isFinite(v)) {
        (out as unknown as Record<string, unknown>)[key] = key === 'image' ? { ...(v as ImageRule) } : v;
        out.origin[key] = label;
        if (entry?.priorOnly?.includes(key)) out.assumed[key] = true;
        break;
      }
    }
  }
  return out;
}

function isImageRule(v: unknown): v is ImageRule {
  if (v === null || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  return [r.maxLongEdge, r.maxPixels, r.maxTokens].every((x) => typeof x === 'number' && x > 0);
}
