import {beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {acknowledgeAlert, listAlerts, renderAlerts} from '../../../../src/lib/pipeline/dlp/alert-report.js';
import {Alerts} from '../../../../src/lib/pipeline/dlp/alerts.js';

let catalog: Catalog;
beforeEach(() => {
  catalog = openCatalog(':memory:', {create: true});
  const alerts = new Alerts(catalog.db);
  alerts.raise(
    {
      dedupKey: 'a',
      at: Date.parse('2026-12-01T10:00:00Z'),
      rule: 'cards',
      severity: 'high',
      kind: 'content',
      direction: 'in',
      login: 'alice',
      folder: 'user.alice',
      messages: [{emailId: null, messageId: '<a@example.org>', mailboxId: 'm1', uid: 7}],
      count: 1,
      hits: [{detector: 'credit_card', count: 1, confidence: 'high', samples: ['4111 **** **** 1111']}],
    },
    Date.parse('2026-12-01T10:00:01Z'),
  );
  alerts.raise(
    {
      dedupKey: 'b',
      at: Date.parse('2026-12-02T10:00:00Z'),
      rule: 'mass',
      severity: 'critical',
      kind: 'behaviour',
      behaviour: 'mass_delete',
      login: 'bob',
      clientIp: '192.0.2.7',
      count: 60,
      behaviourSummary: {count: 60, minCount: 50, withinMs: 60_000, from: Date.parse('2026-12-02T09:59:30Z'), to: Date.parse('2026-12-02T10:00:00Z'), folders: ['user.bob']},
    },
    Date.parse('2026-12-02T10:00:01Z'),
  );
});

describe('bonnie dlp alerts and ack', () => {
  it('lists alerts newest first, by --since and --rule, with ISO times', () => {
    const now = new Date('2026-12-03T00:00:00Z');
    expect(listAlerts(catalog.db, {}, now).alerts.map((a) => a.id)).toEqual([2, 1]);
    expect(listAlerts(catalog.db, {since: '2026-12-02'}, now).alerts.map((a) => a.rule)).toEqual(['mass']);
    expect(listAlerts(catalog.db, {rule: 'cards'}, now).alerts[0]).toMatchObject({at: '2026-12-01T10:00:00.000Z', detail: null, hits: [{samples: ['4111 **** **** 1111']}]});
    expect(listAlerts(catalog.db, {rule: 'mass'}, now).alerts[0]?.detail).toEqual({count: 60, minCount: 50, within: '60s', from: '2026-12-02T09:59:30.000Z', to: '2026-12-02T10:00:00.000Z', folders: ['user.bob'], subject: null, rights: null, held: null, fraction: null, deletedBy: null, earlierLogins: null});
    expect(() => listAlerts(catalog.db, {since: 'yesterday'}, now)).toThrow(expect.objectContaining({code: 'UsageInvalid'}));
  });

  it('renders each alert with who, where and the masked samples', () => {
    const text = renderAlerts(listAlerts(catalog.db, {}));
    expect(text).toContain('#2 2026-12-02T10:00:00.000Z CRITICAL mass (mass_delete) by bob, from 192.0.2.7');
    expect(text).toContain('60 message(s) expunged from 2026-12-02T09:59:30.000Z to 2026-12-02T10:00:00.000Z (rule: 50 within 60s) in user.bob');
    expect(text).toContain('#1 2026-12-01T10:00:00.000Z HIGH cards (content, in) by alice');
    expect(text).toContain('credit_card: 1 at high confidence: 4111 **** **** 1111');
    expect(renderAlerts({alerts: []})).toBe('No DLP alert.');
  });

  it('acknowledges an alert by its number, keeping who and why', () => {
    const view = acknowledgeAlert(catalog.db, '1', 'the shop test card', 'carol', Date.parse('2026-12-03T08:00:00Z'));
    expect(view.acks).toEqual([{at: '2026-12-03T08:00:00.000Z', by: 'carol', note: 'the shop test card'}]);
    expect(renderAlerts(listAlerts(catalog.db, {rule: 'cards'}))).toContain('[acknowledged]');
    expect(() => acknowledgeAlert(catalog.db, 'x1', 'n')).toThrow(expect.objectContaining({code: 'UsageInvalid'}));
    expect(() => acknowledgeAlert(catalog.db, '1', ' ')).toThrow(expect.objectContaining({code: 'UsageInvalid'}));
    expect(() => acknowledgeAlert(catalog.db, '9', 'n')).toThrow(expect.objectContaining({code: 'DlpAlertNotFound'}));
  });
});
