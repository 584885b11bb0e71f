/**
 * Folder names over time. A folder keeps its mailboxID across renames, so the record names folders by
 * id; people know them by name, and by the name they had when something happened. The versions of each
 * folder are read once and kept (a history touches few folders).
 */
import type {Db} from '../../base/catalog/catalog.js';
import {FolderReader} from '../../pipeline/record/folders.js';

interface NameSpan {
  name: string;
  validFrom: number;
  validTo: number | null;
  change: string;
}

export class FolderNames {
  private readonly folders;
  private readonly cache = new Map<string, NameSpan[]>();
  private readonly holderCount = new Map<string, number>();

  constructor(db: Db) {
    this.folders = new FolderReader(db);
  }

  /**
   * How to name the folder in a placement reference: `name`, unless several folders have had that name
   * (deleted and created again): then the mailboxID, so that every reference printed names one message.
   */
  refName(mailboxId: string, name: string | undefined): string {
    if (name === undefined) return mailboxId;
    let holders = this.holderCount.get(name);
    if (holders === undefined) {
      holders = this.folders.holders(name);
      this.holderCount.set(name, holders);
    }
    return holders > 1 ? mailboxId : name;
  }

  /**
   * The folder's name at `at` (ms): the version valid then (valid_from <= at < valid_to). Before
   * its first version, the first name; undefined for a folder the record does not know.
   */
  nameAt(mailboxId: string, at: number): string | undefined {
    const spans = this.spans(mailboxId);
    const valid = spans.find((span) => span.validFrom <= at && (span.validTo === null || at < span.validTo));
    return (valid ?? (spans[0] !== undefined && at < spans[0].validFrom ? spans[0] : spans.at(-1)))?.name;
  }

  /** The folder's name now (its last name, if it was deleted); undefined when unknown. */
  nameNow(mailboxId: string): string | undefined {
    return this.current(mailboxId)?.name;
  }

  /** Whether the folder's last version is its deletion. */
  isDeleted(mailboxId: string): boolean {
    return this.current(mailboxId)?.change === 'deleted';
  }

  /** The version still valid (exactly one per known folder), or the newest. */
  private current(mailboxId: string): NameSpan | undefined {
    const spans = this.spans(mailboxId);
    return spans.findLast((span) => span.validTo === null) ?? spans.at(-1);
  }

  private spans(mailboxId: string): NameSpan[] {
    let spans = this.cache.get(mailboxId);
    if (spans === undefined) {
      spans = this.folders.versions(mailboxId).map((row) => ({name: row.name, validFrom: row.valid_from, validTo: row.valid_to, change: row.change}));
      this.cache.set(mailboxId, spans);
    }
    return spans;
  }
}
