/** Paths tests share: the repository, the built CLI, and ../shared beside the repository. */
import {fileURLToPath} from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const BIN_RUN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
export const BIN_DEALER = fileURLToPath(new URL('../../bin/bonnie-dealer', import.meta.url));
export const SPECIMENS = fileURLToPath(new URL('../../../shared/cyrus/specimens/', import.meta.url));
