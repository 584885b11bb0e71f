/**
 * What a content detector finds: instances, each with a confidence and a masked sample. The clear text of
 * what matched never leaves the detector that found it: an instance holds only its masked form.
 */

/** Confidence levels as Microsoft Purview's sensitive information types have them, lowest first. */
export const CONFIDENCES = ['low', 'medium', 'high'] as const;
export type Confidence = (typeof CONFIDENCES)[number];

/** One thing a detector found. */
export interface Instance {
  confidence: Confidence;
  /** What was found, masked (a card `4111 **** **** 1111`); never the matched secret in clear. */
  sample: string;
  /** What makes the confidence (`keyword "visa" within 300 characters`), for `bonnie dlp test`. */
  evidence?: string | undefined;
}

/** Whether `confidence` is at least `floor`. */
export function atLeast(confidence: Confidence, floor: Confidence): boolean {
  return CONFIDENCES.indexOf(confidence) >= CONFIDENCES.indexOf(floor);
}

/** The highest of several confidences ('low' for none). */
export function highest(confidences: readonly Confidence[]): Confidence {
  return CONFIDENCES[Math.max(0, ...confidences.map((c) => CONFIDENCES.indexOf(c)))] ?? 'low';
}
