/**
 * One committed change of a release item, as the table's stream reports it: what every consumer
 * of that stream (the projector and the projections plugged into it) is given.
 */
import type { ReleaseItem } from './table-layout.js';

/** One change of a release item, as the table's stream reports it. */
export interface ReleaseImageChange {
  id: string;
  /** The item before the change (absent for a new release). */
  before?: ReleaseItem;
  /** The item after the change (absent for a removed release). */
  after?: ReleaseItem;
  /** The stream record's sequence number: its position in this release's history. */
  sequenceNumber: string;
  /** When the change was committed (ISO 8601, the stream's approximate creation time). */
  at: string;
}
