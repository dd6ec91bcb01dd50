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
  estimateRemoved,
  estimateRequest,
  FRAMING,
  TOOL_SYSTEM_PROMPT,
  ANTHROPIC_TOOL_TOKENS,
  TOOL_DEFINITION_TOKENS,
  UNKNOWN_DOCUMENT_PAGES,
  type EstimateBreakdown,
  type EstimateBasis,
} from './request';
export { imageDimensionsFromBase64, imageTokens, imageRule, scaledImageSize, unknownImageTokens, IMAGE_LIMITS, IMAGE_TILE } from './image';
export { pdfPageCount, pdfContent, type PdfContent } from './pdf';
export { modelParams, generationOf, estimatorTable, withEstimatorTable, GENERATIONS, type Generation, type ModelParams, type ImageRule } from './model-params';
export { FEATURE_NAMES, FEATURE_COUNT, textFeatures, type FeatureName } from './features';
