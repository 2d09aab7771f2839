/** One row of the bench table. */
export interface MetricResult {
  metric: string;
  /** What was measured, for people. */
  value: string;
  /** The comparison floor measured in the same run, if any. */
  floor?: string;
  /** The ratio or figure the target is judged on. */
  score?: number;
  target: string;
  /** true = met, false = missed, null = not judged (skipped or informational). */
  met: boolean | null;
  notes?: string;
  raw?: Record<string, unknown>;
}
