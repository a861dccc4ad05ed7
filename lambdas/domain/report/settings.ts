/**
 * Report settings: the race/ethnicity mapping, the age bands and the small-cell threshold. Optional on a run
 * (`plan.report`); every field has a documented default (docs/reports.md). Validated with zod, errors naming
 * the field and the bad value, like the policy.
 */
import * as z from 'zod';
import { DEFAULT_AGE_BANDS, DEFAULT_RACE_CATEGORIES } from './demographics';
import { describeIssues } from '../validation';
import { ReportSettingsError } from '../errors';

/** Cells (people) below this count are suppressed in the demographic tables. */
export const DEFAULT_SUPPRESSION_THRESHOLD = 11;

export const reportSettingsSchema = z.strictObject({
  /** RACE_DESCR (any case and spacing) → category. Replaces the default mapping entirely. */
  raceCategories: z
    .record(z.string().min(1, { message: 'must not be empty' }), z.string().trim().min(1, { message: 'must not be empty' }))
    .optional(),
  /** Lower bounds of the age bands after the first, strictly increasing whole years (default 21,30,40,50,65). */
  ageBands: z
    .array(z.number().int({ message: 'must be a whole number' }).min(1, { message: 'must be 1-120' }).max(120, { message: 'must be 1-120' }))
    .min(1, { message: 'must name at least one bound' })
    .refine((bounds) => bounds.every((bound, i) => i === 0 || bound > bounds[i - 1]), { message: 'must be strictly increasing' })
    .optional(),
  /** Smallest count shown in a demographic table (default 11; 1 turns suppression off). */
  suppressionThreshold: z.number().int({ message: 'must be a whole number' }).min(1, { message: 'must be 1-1000' }).max(1000, { message: 'must be 1-1000' }).optional(),
});

export type ReportSettingsInput = z.infer<typeof reportSettingsSchema>;

export interface ReportSettings {
  raceCategories: Readonly<Record<string, string>>;
  ageBands: readonly number[];
  suppressionThreshold: number;
}

/** Validates report settings (undefined = all defaults). Throws ReportSettingsError naming each bad field and value. */
export function parseReportSettings(input: unknown = {}): ReportSettings {
  const result = reportSettingsSchema.safeParse(input ?? {});
  if (!result.success) {
    throw new ReportSettingsError(describeIssues(result.error, input, '(settings)'));
  }
  return {
    raceCategories: result.data.raceCategories ?? DEFAULT_RACE_CATEGORIES,
    ageBands: result.data.ageBands ?? DEFAULT_AGE_BANDS,
    suppressionThreshold: result.data.suppressionThreshold ?? DEFAULT_SUPPRESSION_THRESHOLD,
  };
}

/**
 * The report settings of a run plan: `plan.report` when the run request carried one (the lead wires
 * RunRequest.report → RunPlan.report), else the defaults.
 */
export function reportSettingsOf(plan: object): ReportSettings {
  return parseReportSettings((plan as { report?: unknown }).report);
}
