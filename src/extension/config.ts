import * as vscode from 'vscode';
import { readBudgetUSD, type BudgetUSD } from '../core/config/project';
import { DEFAULT_DEBOUNCE_MS, DEFAULT_MCP_TIMEOUT_SECONDS, DEFAULT_MODEL_ID, DEFAULT_RATE_LIMIT_PER_MINUTE, DEFAULT_SERVER_THRESHOLD, DEFAULT_TOOL_THRESHOLD } from '../core/defaults';

/** A typed, immutable snapshot of the `tokenLens.*` settings, read once per change. */
export interface Config {
  defaultModel: string;
  comparisonModels: string[];
  debounceMs: number;
  toolThreshold: number;
  /** Tokens one MCP server's tools may cost up front before a warning. */
  serverThreshold: number;
  /** More MCP config files for the context footprint (absolute, or relative to each workspace folder). */
  mcpConfigFiles: string[];
  budget: number | undefined;
  /** `tokenLens.budgetUSD`: a number (input USD per request) or { input, worstCase, per1000 }. */
  budgetUSD: BudgetUSD | undefined;
  /** `tokenLens.speed`: price files that do not say at `fast` mode. */
  speed: 'standard' | 'fast';
  /** `tokenLens.inferenceGeo`: price files that do not say with this data residency; empty for none. */
  inferenceGeo: string | undefined;
  rateLimitPerMinute: number;
  promptGlobs: string[];
  excludeGlobs: string[];
  offline: boolean;
  codeLens: boolean;
  modelOverrides: unknown;
  priceFile: string;
  /** Per MCP server, start to the last page of tools/list. */
  mcpTimeoutMs: number;
  /** From user (machine) settings only: a workspace can never redirect the key. */
  apiBaseUrl: string | undefined;
}

const SECTION = 'tokenLens';

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '') : [];
}

function positive(value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.min(max, Math.floor(value)) : fallback;
}

export function readConfig(): Config {
  const c = vscode.workspace.getConfiguration(SECTION);
  const budget = c.get<unknown>('budget');
  const debounce = c.get<unknown>('debounceMs');
  // Only the user's own settings may name an endpoint; workspace and folder values are ignored.
  const base = c.inspect<string>('apiBaseUrl');
  const apiBaseUrl = (base?.globalValue ?? '').trim();
  return {
    defaultModel: (c.get<string>('defaultModel') ?? '').trim() || DEFAULT_MODEL_ID,
    comparisonModels: stringList(c.get('comparisonModels')),
    debounceMs: typeof debounce === 'number' && debounce >= 0 ? Math.min(10_000, debounce) : DEFAULT_DEBOUNCE_MS,
    toolThreshold: positive(c.get('toolOverheadThreshold'), DEFAULT_TOOL_THRESHOLD),
    serverThreshold: positive(c.get('mcpServerThreshold'), DEFAULT_SERVER_THRESHOLD),
    mcpConfigFiles: stringList(c.get('mcpConfigFiles')),
    budget: typeof budget === 'number' && budget > 0 ? Math.floor(budget) : undefined,
    budgetUSD: readBudgetUSD(c.get<unknown>('budgetUSD')),
    speed: c.get<string>('speed') === 'fast' ? 'fast' : 'standard',
    inferenceGeo: (c.get<string>('inferenceGeo') ?? '').trim() || undefined,
    rateLimitPerMinute: positive(c.get('rateLimitPerMinute'), DEFAULT_RATE_LIMIT_PER_MINUTE, 8_000),
    promptGlobs: stringList(c.get('promptGlobs')),
    excludeGlobs: stringList(c.get('excludeGlobs')),
    offline: c.get<boolean>('offline') === true,
    codeLens: c.get<boolean>('codeLens.enabled') !== false,
    modelOverrides: c.get('modelOverrides') ?? [],
    priceFile: (c.get<string>('priceFile') ?? '').trim(),
    mcpTimeoutMs: positive(c.get('mcpTimeoutSeconds'), DEFAULT_MCP_TIMEOUT_SECONDS, 600) * 1000,
    apiBaseUrl: apiBaseUrl || undefined,
  };
}

export function affectsConfig(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(SECTION);
}
