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
}

export function openRecorder(db: Db): Recorder {
  return {people: new People(db), sessions: new Sessions(db), folders: new Folders(db), messages: new Messages(db), changes: new Changes(db)};
}
