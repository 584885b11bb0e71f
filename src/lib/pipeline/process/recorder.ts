/** The record's repositories, prepared once per connection and handed to the handlers together. */
import type {Db} from '../../base/catalog/catalog.js';
import {Changes} from '../record/changes.js';
import {Folders} from '../record/folders.js';
import {Messages} from '../record/messages.js';
import {People} from '../record/people.js';
import {Sessions} from '../record/sessions.js';

export interface Recorder {
  people: People;
  sessions: Sessions;
  folders: Folders;
  messages: Messages;
  changes: Changes;
  /**
   * Drops what the repositories remember of the record between events, and the session touches not
   * written yet. Call it at the start of each batch (another run may have written since) and after any
   * rollback (what they remember may be gone).
   */
  forget(): void;
}

export function openRecorder(db: Db): Recorder {
  const people = new People(db);
  const sessions = new Sessions(db);
  const folders = new Folders(db);
  return {
    people,
    sessions,
    folders,
    messages: new Messages(db),
    changes: new Changes(db),
    forget: () => {
      people.forget();
      sessions.forget();
      folders.forget();
    },
  };
}
