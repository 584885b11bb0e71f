/**
 * Issue 15, 4: the DLP alerts are in an evidence chain of their own; `bonnie verify --events` recomputes it
 * and reports the first alert changed, removed or inserted after it was linked.
 */
import {beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {AlertChain} from '../../../../src/lib/pipeline/dlp/alert-chain.js';
import {Alerts, type NewAlert} from '../../../../src/lib/pipeline/dlp/alerts.js';

let catalog: Catalog;
beforeEach(() => {
  catalog = openCatalog(':memory:', {create: true});
});

const alert = (n: number): NewAlert => ({dedupKey: `k${n}`, at: 1_800_000_000_000 + n, rule: 'cards', severity: 'high', kind: 'content', direction: 'in', login: 'alice', count: 1, hits: [{detector: 'credit_card', count: 1, confidence: 'high', samples: ['4111 **** **** 1111']}]});

function raise(n: number): void {
  const alerts = new Alerts(catalog.db);
  catalog.db.transaction(() => {
    for (let i = 1; i <= n; i++) alerts.raise(alert(i), 1_800_000_100_000);
  })();
}

/** What someone with the catalog file and sqlite3 could do: drop the triggers that keep alerts immutable. */
function tamper(sql: string): void {
  catalog.db.exec('PRAGMA foreign_keys = OFF; DROP TRIGGER dlp_alert_no_update; DROP TRIGGER dlp_alert_no_delete; DROP TRIGGER dlp_alert_chain_no_delete');
  catalog.db.exec(sql);
}

describe('the DLP alerts\' chain', () => {
  it('links each alert as it is raised, and verifies', () => {
    raise(3);
    expect(new AlertChain(catalog.db).verify()).toEqual({checked: 3, pending: 0, firstProblem: null});
    expect(() => catalog.db.prepare('DELETE FROM dlp_alert_chain').run()).toThrow(/append-only/);
  });

  it('reports an alert changed afterwards', () => {
    raise(3);
    tamper("UPDATE dlp_alert SET summary = replace(summary, '4111 **** **** 1111', '4111 **** **** 9999') WHERE id = 2");
    expect(new AlertChain(catalog.db).verify()).toEqual({checked: 1, pending: 0, firstProblem: {kind: 'hash-mismatch', alertId: 2}});
  });

  it('reports an alert removed, with or without its link', () => {
    raise(3);
    tamper('DELETE FROM dlp_alert WHERE id = 2');
    expect(new AlertChain(catalog.db).verify().firstProblem).toEqual({kind: 'missing-alert', alertId: 2});
    catalog.db.exec('DELETE FROM dlp_alert_chain WHERE alert_id = 2');
    expect(new AlertChain(catalog.db).verify().firstProblem).toEqual({kind: 'hash-mismatch', alertId: 3});
  });

  it('reports an alert inserted among linked ones; counts those raised before the chain as pending until the next raise links them', () => {
    raise(2);
    // Alerts written without links (a catalog from before migration 19): pending, then linked by the next raise.
    catalog.db.exec('DROP TRIGGER dlp_alert_chain_no_delete; DELETE FROM dlp_alert_chain');
    expect(new AlertChain(catalog.db).verify()).toEqual({checked: 0, pending: 2, firstProblem: null});
    new Alerts(catalog.db).raise(alert(3), 0);
    expect(new AlertChain(catalog.db).verify()).toEqual({checked: 3, pending: 0, firstProblem: null});
    // An alert written behind the chain's back, then a linked one after it.
    catalog.db.exec("INSERT INTO dlp_alert (dedup_key, at, raised_at, rule, severity, kind, count, summary) VALUES ('forged', 0, 0, 'cards', 'low', 'content', 1, '{}')");
    expect(new AlertChain(catalog.db).verify()).toEqual({checked: 3, pending: 1, firstProblem: null});
    catalog.db.exec('PRAGMA foreign_keys = OFF');
    catalog.db.exec('INSERT INTO dlp_alert_chain (alert_id, hash) SELECT 5, hash FROM dlp_alert_chain WHERE alert_id = 3');
    catalog.db.exec("INSERT INTO dlp_alert (id, dedup_key, at, raised_at, rule, severity, kind, count, summary) VALUES (5, 'forged2', 0, 0, 'cards', 'low', 'content', 1, '{}')");
    expect(new AlertChain(catalog.db).verify().firstProblem).toEqual({kind: 'unchained-alert', alertId: 4});
  });
});
