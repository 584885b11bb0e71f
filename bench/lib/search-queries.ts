/**
 * bench/search's fixed set of queries: what an e-discovery reviewer types, one of each kind the query
 * language has (bonnie-search(1)). Names and addresses come from the corpus (search-corpus.ts), chosen the
 * same way for every seed: "user U" is the site's first user, "user V" its second, "company C" the first
 * external company.
 */
import {CODE_NAME, type SearchCorpus} from './search-corpus.js';

export interface BenchQuery {
  /** Short name for tables. */
  id: string;
  /** What it stands for. */
  what: string;
  query: string;
  includeDeleted: boolean;
}

/** A query that matches nothing: a word no generated message contains. */
export const NOTHING = 'Zeppelinwerft';

export function benchQueries(corpus: SearchCorpus): BenchQuery[] {
  const u = corpus.users[0];
  const v = corpus.users[1];
  const c = corpus.companies[0];
  if (u === undefined || v === undefined || c === undefined) throw new Error('the corpus needs two users and a company');
  const q = (id: string, what: string, query: string, includeDeleted = false): BenchQuery => ({id, what, query, includeDeleted});
  return [
    q('common', 'a common word (German "invoice": subjects, bodies, file names)', 'Rechnung'),
    q('rare', `a rare word (the code name planted in a few threads)`, CODE_NAME),
    q('phrase', 'a phrase', '"quarterly report"'),
    q('from', "from: company C's domain", `from:${c.company.domain}`),
    q('to', "to: user V's address", `to:${v.address}`),
    q('subject', 'subject: a word', 'subject:Vertragsverlängerung'),
    q('attachment', 'attachment: a file-name word', 'attachment:Preisliste'),
    q('has-att-dates', 'has:attachment in one month', 'has:attachment after:2024-03-01 before:2024-04-01'),
    q('user-word', 'user: U and a word', `user:${u.login} Budget`),
    q('folder', "folder: U's Sent", `folder:user.${u.login}.Sent`),
    q('folder-all', 'folder: Trash of every user, and a word', 'folder:Trash Angebot'),
    q('flag', 'flag: flagged', 'flag:flagged'),
    q('flag-word', 'flag: a keyword, and a word', 'flag:$label1 Lieferung'),
    q('larger', 'larger: 10 MB', 'larger:10M'),
    q('not', 'a word, NOT a sender', 'Rechnung NOT from:sap'),
    q('or', 'OR of a rare word and a field', `${CODE_NAME} OR subject:Preisliste`),
    q('parens', 'parentheses: (a OR b), has:attachment, user:', `(Rechnung OR invoice) has:attachment user:${u.login}`),
    q('from-dates', 'from: a system after a date', 'from:jira after:2025-06-01'),
    q('deleted', 'deleted:yes and a word', 'deleted:yes Angebot'),
    q('incl-deleted', 'a word, with --include-deleted', 'invoice', true),
    q('cjk', 'a Japanese word (請求書, invoice)', '請求書'),
    q('nothing', 'a word nothing contains', NOTHING),
  ];
}
