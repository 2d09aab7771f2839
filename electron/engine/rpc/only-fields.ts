import { invalid, type Params } from './params.js';

/**
 * Strict params: a field the method does not know is INVALID_ARGUMENT naming it and what is accepted, so a
 * misspelt setting (`paralel`) is refused instead of silently doing nothing.
 */
export function onlyFields(p: Params, method: string, fields: readonly string[]): void {
  for (const key of Object.keys(p)) {
    if (!fields.includes(key)) {
      throw invalid(
        fields.length === 0
          ? `${method} takes no params; got "${key}"`
          : `unknown field "${key}" for ${method}; accepted: ${fields.join(', ')}`,
      );
    }
  }
}
