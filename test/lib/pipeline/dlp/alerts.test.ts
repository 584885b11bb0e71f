import {beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {Alerts, type NewAlert} from '../../../../src/lib/pipeline/dlp/alerts.js';

let catalog: Catalog;
beforeEach(() => {
  catalog = openCatalog(':memory:', {create: true});
});

const card: NewAlert = {
  dedupKey: 'content/cards/m1/1/7',
  at: 1_800_000_000_000,
  rule: 'cards',
  severity: 'high',
  kind: 'content',
  direction: 'in',
  login: 'alice',
  mailboxId: 'm1',
  folder: 'user.alice',
  messages: [{emailId: 'Mabc', messageId: '<a@example.org>', mailboxId: 'm1', uid: 7}],
  count: 1,
  hits: [{detector: 'credit_card', count: 1, confidence: 'high', samples: ['4111 **** **** 1111']}],
  notificationIds: [12],
};

describe('DLP alerts', () => {
  it('stores an alert once per dedup key, with its refs and masked samples', () => {
    const alerts = new Alerts(catalog.db);
    const raised = alerts.raise(card, 1_800_000_001_000);
    expect(raised).toMatchObject({id: 1, at: card.at, raisedAt: 1_800_000_001_000, rule: 'cards', kind: 'content', direction: 'in', folder: 'user.alice', notificationIds: [12], acks: []});
    expect(raised?.hits[0]?.samples).toEqual(['4111 **** **** 1111']);
    expect(alerts.raise({...card, at: card.at + 1}, 1_800_000_002_000)).toBeUndefined();
    expect(alerts.list()).toHaveLength(1);
  });

  it('refuses to change or delete an alert; an acknowledgement is a row of its own', () => {
    const alerts = new Alerts(catalog.db);
    const raised = alerts.raise(card, 1_800_000_001_000);
    expect(() => catalog.db.prepare('UPDATE dlp_alert SET severity = ?').run('low')).toThrow(/immutable/);
    expect(() => catalog.db.prepare('DELETE FROM dlp_alert').run()).toThrow(/immutable/);
    const ack = alerts.acknowledge(raised?.id ?? 0, 'carol', 'the test card of the shop', 1_800_000_003_000);
    expect(ack).toEqual({id: 1, alertId: 1, at: 1_800_000_003_000, by: 'carol', note: 'the test card of the shop'});
    expect(alerts.get(1)).toMatchObject({severity: 'high', acks: [ack]});
    expect(() => catalog.db.prepare('UPDATE dlp_alert_ack SET note = ?').run('x')).toThrow(/immutable/);
    expect(() => alerts.acknowledge(99, 'carol', 'x', 0)).toThrow(expect.objectContaining({code: 'DlpAlertNotFound'}));
  });

  it('lists the newest first, by time and rule', () => {
    const alerts = new Alerts(catalog.db);
    alerts.raise(card, 0);
    alerts.raise({...card, dedupKey: 'k2', at: card.at + 10, rule: 'other'}, 0);
    alerts.raise({...card, dedupKey: 'k3', at: card.at + 20}, 0);
    expect(alerts.list().map((a) => a.id)).toEqual([3, 2, 1]);
    expect(alerts.list({rule: 'cards'}).map((a) => a.id)).toEqual([3, 1]);
    expect(alerts.list({since: card.at + 10}).map((a) => a.id)).toEqual([3, 2]);
    expect(alerts.lastAt('cards', 'alice')).toBe(card.at + 20);
  });
});
