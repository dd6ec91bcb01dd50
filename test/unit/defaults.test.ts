// The defaults named once in src/core/defaults.ts are the ones package.json shows in the Settings UI.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_DEBOUNCE_MS, DEFAULT_MODEL_ID, DEFAULT_RATE_LIMIT_PER_MINUTE, DEFAULT_TOOL_THRESHOLD } from '../../src/core/defaults';
import { ModelRegistry } from '../../src/core/models/registry';

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
};
const settingDefault = (key: string) => pkg.contributes.configuration.properties[`tokenLens.${key}`]?.default;

describe('defaults', () => {
  it('package.json declares the same setting defaults as src/core/defaults.ts', () => {
    assert.equal(settingDefault('defaultModel'), DEFAULT_MODEL_ID);
    assert.equal(settingDefault('toolOverheadThreshold'), DEFAULT_TOOL_THRESHOLD);
    assert.equal(settingDefault('rateLimitPerMinute'), DEFAULT_RATE_LIMIT_PER_MINUTE);
    assert.equal(settingDefault('debounceMs'), DEFAULT_DEBOUNCE_MS);
  });

  it('the default model is one the bundled table knows', () => {
    assert.equal(ModelRegistry.bundled().defaultModelId, DEFAULT_MODEL_ID);
    assert.ok(ModelRegistry.bundled().resolve(DEFAULT_MODEL_ID), DEFAULT_MODEL_ID);
  });
});
