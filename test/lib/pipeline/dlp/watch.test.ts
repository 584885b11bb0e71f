import {describe, expect, it} from 'vitest';
import {openCatalog} from '../../../../src/lib/base/catalog/catalog.js';
import {Alerts, type NewAlert} from '../../../../src/lib/pipeline/dlp/alerts.js';
import {watchAlerts, type WatchLine} from '../../../../src/lib/pipeline/dlp/watch.js';

const alert = (key: string): NewAlert => ({
  dedupKey: key,
  at: 1_800_000_000_000,
  rule: 'cards',
  severity: 'high',
  kind: 'content',
  direction: 'in',
  login: 'alice',
  count: 1,
  hits: [{detector: 'credit_card', count: 1, confidence: 'high', samples: ['4111 **** **** 1111']}],
});

describe('Alerts.after', () => {
  it('lists the alerts committed after an id, oldest first, at most limit', () => {
    const catalog = openCatalog(':memory:', {create: true});
    const alerts = new Alerts(catalog.db);
    expect(alerts.lastId()).toBe(0);
    const ids = ['a', 'b', 'c'].map((k) => alerts.raise(alert(k), 1)?.id);
    expect(alerts.lastId()).toBe(ids[2]);
    expect(alerts.after(0, 2).map((a) => a.id)).toEqual(ids.slice(0, 2));
    expect(alerts.after(ids[0] as number, 10).map((a) => a.id)).toEqual(ids.slice(1));
    expect(alerts.after(ids[2] as number, 10)).toEqual([]);
    catalog.close();
  });
});

describe('watchAlerts', () => {
  it('reports only the alerts committed after it started, then stops on SIGTERM', async () => {
    const catalog = openCatalog(':memory:', {create: true});
    const alerts = new Alerts(catalog.db);
    alerts.raise(alert('before'), 1);
    const lines: WatchLine[] = [];
    const watching = watchAlerts(catalog.db, ':memory:', (line) => lines.push(line));
    alerts.raise(alert('after'), 2);
    await expect.poll(() => lines.filter((l) => l.type === 'alert').length, {timeout: 5000}).toBe(1);
    process.emit('SIGTERM');
    expect(await watching).toEqual({alerts: 1});
    expect(lines.map((l) => l.type)).toEqual(['started', 'alert', 'stopped']);
    expect(lines[1]).toMatchObject({type: 'alert', rule: 'cards', login: 'alice', hits: [{samples: ['4111 **** **** 1111']}]});
    expect(lines[2]).toMatchObject({type: 'stopped', alerts: 1});
    catalog.close();
  });
});
