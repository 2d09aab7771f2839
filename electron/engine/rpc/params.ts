import { QueueError } from '../../../protocol/index.js';

/** Narrowing helpers for params from the wire: each failure is an INVALID_ARGUMENT naming the field. */
export type Params = Record<string, unknown>;

export function asParams(raw: unknown): Params {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalid('params must be an object');
  return raw as Params;
}

export function requireString(p: Params, field: string): string {
  const v = p[field];
  if (typeof v !== 'string') throw invalid(`${field} must be a string`);
  return v;
}

export function optionalInt(p: Params, field: string, min: number, max: number): number | undefined {
  const v = p[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(`${field} must be a whole number`);
  if (v < min || v > max) throw invalid(`${field} must be between ${min} and ${max}, got ${v}`);
  return v;
}

export function optionalBool(p: Params, field: string): boolean {
  const v = p[field];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw invalid(`${field} must be true or false`);
  return v;
}

export function invalid(message: string): QueueError {
  return new QueueError('INVALID_ARGUMENT', message);
}
