/**
 * The county register (docs/monthly.md): after each successful run, one compact record per evaluated conviction,
 * what the next run of the county compares itself with. Personal data (it names the conviction and the person as
 * the lists do): kept under results/ with the same protection.
 *
 * A register is partitioned as its run was: record r lies in partition `personKey % partitionCount`, the person
 * key being the FNV-1a hash of SUBJECT_ID that routes rows to partitions (pipeline/split.ts `partitionOf`). A later
 * run with the same partition count reads partition p of the register beside its own partition p; with another
 * count, the register is routed again by the stored key, without reading a row of the extract.
 */
import * as z from 'zod';
import { RegisterFormatError } from '../errors';

/** The register's format; a manifest with another `format` is a register of another version. */
export const REGISTER_FORMAT = 'clearance-register/v1';
export const REGISTER_MANIFEST = 'manifest.json';

/** A human decision carried with a conviction (review workflow, docs/review.md) from the run that recorded it. */
export const carriedDecisionSchema = z.object({
  decision: z.enum(['Dismiss', 'Reduce', 'Deny', 'Defer']),
  reason: z.string(),
  reviewer: z.string(),
  date: z.string(),
  /** The run whose review recorded it, and its round there. */
  runId: z.string(),
  round: z.number().int().positive(),
  /** The conviction's inputs when it was decided (`RegisterRecord.inputs`). */
  inputs: z.string(),
});
export type CarriedDecision = z.infer<typeof carriedDecisionSchema>;

export const registerRecordSchema = z.object({
  /** Conviction id (review/conviction-id.ts). */
  id: z.string().min(1),
  /** FNV-1a of SUBJECT_ID, unsigned 32 bits: routes the record to its person's partition. */
  pk: z.number().int().min(0).max(0xffffffff),
  /** Determination ('' when no rule decided) and its reason. */
  det: z.string(),
  reason: z.string(),
  /** Digest of what the automatic determination and a reviewer saw: changes when the conviction's inputs change. */
  inputs: z.string(),
  /** Identifying columns for changes.csv when the conviction is gone from the next extract. */
  caseNumber: z.string(),
  cii: z.string(),
  name: z.string(),
  dob: z.string(),
  date: z.string(),
  section: z.string(),
  /** The latest human decision, when one was recorded (in this run's review or carried from an earlier one). */
  decision: carriedDecisionSchema.optional(),
});
export type RegisterRecord = z.infer<typeof registerRecordSchema>;

export const registerManifestSchema = z.object({
  format: z.literal(REGISTER_FORMAT),
  runId: z.string().min(1),
  county: z.string().min(1),
  computeAt: z.string(),
  policyName: z.string(),
  policySha256: z.string(),
  partitionCount: z.number().int().positive(),
  convictions: z.number().int().min(0),
  writtenAt: z.string(),
});
export type RegisterManifest = z.infer<typeof registerManifestSchema>;

/** Why a manifest cannot be used, in words for an operator; null when it can. */
export function registerManifestProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'its manifest is not a JSON object';
  const format = (value as { format?: unknown }).format;
  if (format !== REGISTER_FORMAT) {
    return `it was written by another version (format ${JSON.stringify(format ?? null)}, this version reads ${JSON.stringify(REGISTER_FORMAT)})`;
  }
  const parsed = registerManifestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `its manifest's field ${issue.path.join('.') || '(root)'}: ${issue.message}`;
  }
  return null;
}

export { personKey } from '../person-key';

/** The partition of a register record among `partitionCount`. */
export function registerPartitionOf(pk: number, partitionCount: number): number {
  return pk % partitionCount;
}

/** Partition files of a register: `<prefix>part-000007.jsonl`, one JSON record per line. */
export function registerPartKey(prefix: string, partition: number): string {
  return `${prefix}part-${String(partition).padStart(6, '0')}.jsonl`;
}

export function serializeRecord(record: RegisterRecord): string {
  return JSON.stringify(record);
}


/** One line of a register part; `where` names the part and line in the error. */
export function parseRecord(line: string, where: string): RegisterRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new RegisterFormatError(`${where}: not a JSON record`);
  }
  const parsed = registerRecordSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RegisterFormatError(`${where}: field ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

export { inputsDigest } from './inputs-digest';

/** The run a county's run is compared with (RunPlan.previous): checked before any work. */
export interface PreviousRun {
  runId: string;
  /** Where its register lies (`register/<runId>/` of the county, or `<run>/results/register/` locally). */
  registerPrefix: string;
  partitionCount: number;
  computeAt: string;
  policyName: string;
  policySha256: string;
  /** Its review's decision record (final/decisions.jsonl), when its results hold one. */
  decisionsKey?: string;
}
