#!/usr/bin/env node
// `npm run screenshots`: copies the README's pictures from the real-editor tests' screenshots
// (`.test-output/e2e/`, written by `npm run test:e2e`) to `media/screenshots/`, under stable names.
// Run it after a green e2e run; commit what changed. The pictures stay out of the .vsix
// (.vscodeignore): the listing loads them from the repository.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** README picture ← the e2e screenshot it is taken from (see test/e2e/*.e2e.ts, `shot(…)`). */
export const PICTURES = {
  'status-bar-tooltip.png': 'token-lens-01b-status-tooltip.png',
  'codelens-tools.png': 'token-lens-02-codelens-tools.png',
  'problems.png': 'token-lens-03-problems.png',
  'explorer-view.png': 'token-lens-04-explorer-view.png',
  'no-key-estimate.png': 'token-lens-07-no-key-tooltip.png',
  'tool-audit.png': 'decisions-tools.png',
  'thinking-budget.png': 'decisions-thinking.png',
  'breakdown.png': 'decisions-breakdown.png',
  'cli-markdown-report.png': 'decisions-cli-markdown-report.png',
  'context-footprint.png': 'context-mcp-report.png',
};

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const from = path.join(repo, '.test-output', 'e2e');
  const to = path.join(repo, 'media', 'screenshots');
  const missing = Object.values(PICTURES).filter((f) => !fs.existsSync(path.join(from, f)));
  if (missing.length) {
    process.stderr.write(`[screenshots] not in ${path.relative(repo, from)}/ (run npm run test:e2e first): ${missing.join(', ')}\n`);
    process.exit(1);
  }
  fs.mkdirSync(to, { recursive: true });
  for (const [name, source] of Object.entries(PICTURES)) {
    fs.copyFileSync(path.join(from, source), path.join(to, name));
    process.stderr.write(`[screenshots] ${path.relative(repo, path.join(to, name))} ← ${source}\n`);
  }
}
