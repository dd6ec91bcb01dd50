import type { Json, JsonObject } from './types';

/**
 * Whether a value is a plain object (not null, not an array): narrows JSON to {@link JsonObject}
 * and anything else to a record of unknowns.
 */
export function isObject(value: Json | undefined): value is JsonObject;
export function isObject(value: unknown): value is { [key: string]: unknown };
export function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
