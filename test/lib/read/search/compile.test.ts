import {afterAll, describe, expect, it} from 'vitest';
import {openCatalog} from '../../../../src/lib/base/catalog/catalog.js';
import {compileQuery, toFts} from '../../../../src/lib/read/search/compile.js';
import {planQuery} from '../../../../src/lib/read/search/plan.js';
import {parseQuery} from '../../../../src/lib/read/search/query.js';
import {searchMessages} from '../../../../src/lib/read/search/search.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const catalog = openCatalog(':memory:', {create: true});
afterAll(() => catalog.close());
const compile = (query: string, includeDeleted = false) => compileQuery(catalog.db, parseQuery(query, NOW), {includeDeleted});

describe('compiling a query', () => {
  it('writes text as FTS5 phrases in double quotes (quotes doubled), fields as column filters, CJK as characters', () => {
    expect(compile('from:a"b OR x').match).toBe('(from_header : "a""b") OR ("x")');
    expect(compile('"board meeting" subject:Q3 -spam').match).toBe('(("board meeting") AND (subject : "Q3")) NOT ("spam")');
    // FTS5's own operators are words like any other.
    expect(compile('NEAR and or not').match).toBe('("NEAR") AND ("and") AND ("or") AND ("not")');
    expect(compile('会議 attachment:x.pdf messageid:<a@b>').match).toBe('(" 会  議 ") AND (attachments : "x.pdf") AND (message_id : "<a@b>")');
    // A NOT with nothing to subtract from is SQL, not FTS5.
    expect(compile('-spam')).toMatchObject({match: undefined, where: '(NOT (i.doc_id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?))) AND (i.deleted = 0)', params: ['"spam"']});
    expect(toFts(parseQuery('a OR from:b'))).toBe('("a") OR (from_header : "b")');
  });

  it('turns dates into date-key bounds and leaves deleted mail out unless asked for', () => {
    const on = compile('on:2026-11-22 invoice');
    expect(on.range).toEqual({from: BigInt(Date.UTC(2026, 10, 22) / 1000) * 1024n, to: BigInt(Date.UTC(2026, 10, 23) / 1000) * 1024n});
    expect(on.where).toBe('(i.deleted = 0)');
    expect(compile('invoice', true).where).toBe('1');
    expect(compile('invoice deleted:yes')).toMatchObject({gone: true, where: '(i.deleted = ?)', params: [1]});
    expect(compile('(deleted:no OR flag:seen) user:bob')).toMatchObject({owner: 'bob', where: "((i.deleted = ?) OR (instr(' ' || lower(i.flags) || ' ', ?) > 0)) AND (i.owner IS ?)", params: [0, ' \\seen ', 'bob']});
  });

  it('never puts the query\'s text into SQL: only placeholders carry it', () => {
    const nasty = ["x'; DROP TABLE search_doc; --x", 'folder:"a\' OR 1=1 --"', 'user:bob\'--', 'flag:"x\' OR \'1\'=\'1"', 'subject:"\\ OR rowid>0"', 'attachment:x*/**/', 'from:"NEAR(a b)"'];
    for (const query of nasty) {
      const compiled = compileQuery(catalog.db, parseQuery(query, NOW), {includeDeleted: false});
      const plan = planQuery(catalog.db, compiled, 'i.id', 10);
      for (const word of query.split(/[\s:"]+/).filter((w) => w.length > 2 && !['folder', 'user', 'flag', 'subject', 'attachment', 'from'].includes(w))) {
        expect(plan.sql, query).not.toContain(word);
      }
      expect(searchMessages(catalog.db, query, {now: NOW}).hits).toEqual([]);
    }
    expect(catalog.db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'search_doc'").get()).toEqual({n: 1});
  });
});
