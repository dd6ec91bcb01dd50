/**
 * Decision helpers behind Token Lens's analysis commands: pure functions over a parsed document
 * or an analysis that return data ready to render as tables, plus Markdown renderers.
 * No `vscode` import anywhere.
 */
export * from './thinking';
export * from './tools';
export * from './prompt-caching';
export * from './routing';
export * from './trim';
export * from './breakdown';
export { splitOverhead, type OverheadSplit } from './overhead';
export { countBody, type BodyCount } from './counting';
