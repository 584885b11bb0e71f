/**
 * `bonnie dlp scan` on a copy of the sound archive fixture (alice's INBOX UIDs 1-3, her Sent UID 1 = bob's
 * INBOX UID 2 "Contract draft", bob's UIDs 1 and 3): content rules evaluated over archived mail.
 */
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {openCatalog} from '../../../../src/lib/base/catalog/catalog.js';
import {Alerts} from '../../../../src/lib/pipeline/dlp/alerts.js';
import {RuleSet} from '../../../../src/lib/pipeline/dlp/rules.js';
import {directionOfFolder, scanArchive} from '../../../../src/lib/read/dlp-scan/scan.js';
import {copyArchiveFixture} from '../../../fixtures/archive/fixtures.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();

function setUp(yaml: string) {
  const dir = tempDir();
  const lab = copyArchiveFixture('sound', dir);
  const file = join(dir, 'dlp.yaml');
  writeFileSync(file, yaml);
  return {lab, rules: RuleSet.load(file)};
}

// "The quarter closed 4 % above plan." is in alice's INBOX UID 2 only.
const QUARTER = `rules:
  - name: results-early
    severity: high
    condition:
      all:
        - {detector: keywords, words: [quarter]}
        - {detector: regex, pattern: '\\d+ % above plan'}
`;

describe('scanArchive', () => {
  it('raises one alert, masked, for the message that matches; a second scan raises none', async () => {
    const {lab, rules} = setUp(QUARTER);
    const catalog = openCatalog(lab.catalog);
    try {
      const first = await scanArchive(catalog, lab.archive, rules);
      expect(first).toMatchObject({rules: 1, messages: 6, places: 7, alerts: 1, alreadyRaised: 0, byRule: [{rule: 'results-early', alerts: 1, alreadyRaised: 0}], unreadable: []});
      const [alert, ...others] = new Alerts(catalog.db).list();
      expect(others).toEqual([]);
      expect(alert).toMatchObject({rule: 'results-early', severity: 'high', kind: 'content', direction: 'in', login: 'alice', folder: 'INBOX', messages: [{messageId: '<quarterly-figures@example.org>', uid: 2}]});
      const regex = alert?.hits.find((h) => h.detector === 'regex');
      expect(regex?.samples).toHaveLength(1);
      expect(regex?.samples[0]).toContain('*');
      expect(regex?.samples[0]).not.toContain('4 % above plan');
      expect(alert?.at).toBe(Date.parse('2026-03-02T08:02:00Z'));

      const second = await scanArchive(catalog, lab.archive, rules);
      expect(second).toMatchObject({alerts: 0, alreadyRaised: 1});
      expect(new Alerts(catalog.db).list()).toHaveLength(1);
    } finally {
      catalog.close();
    }
  });

  it('scans a message in two folders once and evaluates each place with its owner and direction', async () => {
    const {lab, rules} = setUp(`rules:
  - name: drafts-leaving
    severity: medium
    condition: {detector: keywords, words: [draft]}
    scope: {direction: out}
  - name: drafts
    severity: low
    condition: {detector: keywords, words: [draft]}
`);
    const catalog = openCatalog(lab.catalog);
    try {
      const summary = await scanArchive(catalog, lab.archive, rules);
      expect(summary).toMatchObject({messages: 6, places: 7, alerts: 3, byRule: [{rule: 'drafts-leaving', alerts: 1}, {rule: 'drafts', alerts: 2}]});
      const alerts = new Alerts(catalog.db).list();
      expect(alerts.filter((a) => a.rule === 'drafts-leaving')).toEqual([expect.objectContaining({login: 'alice', folder: 'Sent', direction: 'out'})]);
      expect(alerts.filter((a) => a.rule === 'drafts').map((a) => `${a.login} ${a.folder} ${a.direction}`).sort()).toEqual(['alice Sent out', 'bob INBOX in']);
    } finally {
      catalog.close();
    }
  });

  it('keeps to --since and --until (the message date), and refuses bounds the wrong way round', async () => {
    const {lab, rules} = setUp(QUARTER);
    const catalog = openCatalog(lab.catalog);
    try {
      const now = new Date('2026-12-01T00:00:00Z');
      expect(await scanArchive(catalog, lab.archive, rules, {since: '2026-03-03', now})).toMatchObject({messages: 2, alerts: 0});
      expect(await scanArchive(catalog, lab.archive, rules, {since: '2026-03-02', until: '2026-03-02T23:59:59Z', now})).toMatchObject({messages: 2, places: 3, alerts: 1});
      await expect(scanArchive(catalog, lab.archive, rules, {since: '2026-03-03', until: '2026-03-01', now})).rejects.toMatchObject({code: 'UsageInvalid'});
    } finally {
      catalog.close();
    }
  });
});

describe('directionOfFolder', () => {
  it('counts Sent folders as out and the rest as in', () => {
    expect(['Sent', 'Sent Items', 'sent/2026', 'INBOX', 'Archive/Sent'].map((f) => directionOfFolder(f))).toEqual(['out', 'out', 'out', 'in', 'in']);
    // With local_domains, a Sent folder's message is out only with a recipient outside them.
    expect(directionOfFolder('Sent', ['partner.example', 'example.org'], ['example.org'])).toBe('out');
    expect(directionOfFolder('Sent', ['example.org'], ['example.org'])).toBeNull();
    expect(directionOfFolder('INBOX', ['partner.example'], ['example.org'])).toBe('in');
  });
});
