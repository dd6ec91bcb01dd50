/**
 * The offline token estimator: what Token Lens shows, marked as an estimate, when the
 * count_tokens API cannot be asked (no key, offline, rejected content, ...).
 *
 * - {@link estimateTextTokens}: raw text, one linear pass over character classes with weights
 *   fitted per tokenizer family (`calibration.json`, written by `bench/fit-estimator.ts`).
 * - {@link estimateRequest}: a whole request body with its per-part breakdown.
 * - Images and PDFs: {@link imageDimensionsFromBase64}, {@link imageTokens}, {@link pdfPageCount},
 *   {@link pdfPageTokens}.
 */
export { estimateTextTokens, calibratedWeights } from './text';
export { estimateJsonTokens } from './json';
export {
  estimateRequest,
  FRAMING,
  TOOL_SYSTEM_PROMPT,
  TOOL_PROMPT_RATIO_47,
  ANTHROPIC_TOOL_TOKENS,
  TOOL_DEFINITION_TOKENS,
  TOOL_USE_BLOCK_TOKENS,
  TOOL_RESULT_BLOCK_TOKENS,
  UNKNOWN_DOCUMENT_PAGES,
  type EstimateBreakdown,
} from './request';
export { imageDimensionsFromBase64, imageTokens, scaledImageSize, unknownImageTokens, IMAGE_LIMITS, type ImageLimits } from './image';
export { pdfPageCount, pdfPageTokens, PDF_TEXT_TOKENS_PER_PAGE, PDF_PAGE_PIXELS } from './pdf';
export { FEATURE_NAMES, FEATURE_COUNT, textFeatures, type FeatureName } from './features';
