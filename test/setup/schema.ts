// Tests open catalogs in-process, as the commands do after their base command has set the schema.
import '../../src/lib/cli/schema.js';
