// Entry of dist/sdk.js: the SDK bundled apart, so that loading Token Lens never parses it.
export * from '@anthropic-ai/sdk';
export { default } from '@anthropic-ai/sdk';
