/** The count table moved to `output/table.ts`; kept so existing imports work. */
export { cacheLine, formatTable, tokens } from './output/table';
