/**
 * The per-event dealer's entry (bundled into dist/bonnie-dealer.cjs by scripts/bundle-dealer.js, loaded by
 * bin/bonnie-dealer): the catalog's schema, then the dealer itself (pipeline/capture/dealer.ts).
 */
import './schema.js';

export {main} from '../pipeline/capture/dealer.js';
