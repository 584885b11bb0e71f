/**
 * `bonnie prune --dry-run`, end to end: the search index brought up to date (it is the catalog's list of
 * archived messages with their places and dates), the plan computed from the rules and holds in force, and
 * kept under its id in the catalog.
 */
import type {Catalog} from '../../base/catalog/catalog.js';
import {Policy} from '../../pipeline/retention/policy.js';
import {updateSearch, type UpdateOptions} from '../search/update.js';
import {planPrune, type PrunePlan} from './plan.js';

export async function pruneDryRun(catalog: Catalog, archiveDir: string, options: {actor: string; now?: number; onProgress?: UpdateOptions['onProgress']}): Promise<PrunePlan> {
  await updateSearch(catalog, archiveDir, {onProgress: options.onProgress});
  const now = options.now ?? Date.now();
  const policy = new Policy(catalog.db);
  const {plan, expired, rules} = planPrune(catalog.db, policy.rules(), policy.holds(), now);
  policy.savePlan(
    plan.id,
    plan,
    options.actor,
    now,
    expired.map((sha256) => ({sha256, rule: rules.get(sha256.toString('hex')) ?? ''})),
  );
  return plan;
}
