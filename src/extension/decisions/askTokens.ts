import * as vscode from 'vscode';

/** Reads "8000", "8,000", "8 000" or "8_000" as a whole number (NaN when it is not one). */
export function tokenNumber(text: string): number {
  const n = Number(text.replace(/[,_\s]/g, ''));
  return Number.isInteger(n) ? n : Number.NaN;
}

/**
 * An input box for a number of tokens: `parse` turns the text into the number or a message saying
 * what is wrong, shown while typing. Undefined when the user cancels.
 */
export async function askTokens(
  options: { title: string; prompt: string; value?: number; placeHolder?: string },
  parse: (text: string) => number | string,
): Promise<number | undefined> {
  const typed = await vscode.window.showInputBox({
    title: options.title,
    prompt: options.prompt,
    value: options.value !== undefined ? String(options.value) : '',
    ...(options.placeHolder ? { placeHolder: options.placeHolder } : {}),
    validateInput: (v) => {
      const r = parse(v);
      return typeof r === 'string' ? r : undefined;
    },
  });
  if (typeof typed !== 'string') return undefined;
  const r = parse(typed);
  return typeof r === 'number' ? r : undefined;
}
