/** Paths tests share: the repository, the built CLI, and ../shared beside the repository. */
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const BIN_RUN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
export const BIN_DEALER = fileURLToPath(new URL('../../bin/bonnie-dealer', import.meta.url));
/**
 * The 96 real Cyrus 3.6 events: ../shared/cyrus/specimens (the reference), or samples/events, a byte-for-byte
 * copy with its INDEX.tsv, in a clone on its own.
 */
const SHARED_SPECIMENS = fileURLToPath(new URL('../../../shared/cyrus/specimens/', import.meta.url));
export const SPECIMENS = existsSync(SHARED_SPECIMENS) ? SHARED_SPECIMENS : fileURLToPath(new URL('../../samples/events/', import.meta.url));
