import {Args, Flags} from '#oclif';
import {BonnieCommand} from '../../lib/cli/base-command.js';
import {openCatalog} from '../../lib/base/catalog/catalog.js';
import {parseIds} from '../../lib/pipeline/queue/ids.js';
import {showQuarantined, type QuarantinedDelivery} from '../../lib/pipeline/queue/quarantine.js';
import {renderQuarantined} from '../../lib/pipeline/queue/render.js';
import type {QueueAction} from '../../lib/pipeline/queue/actions.js';

interface Shown extends QuarantinedDelivery {
  /** The bytes, base64. */
  rawBase64: string;
  actions: QueueAction[];
}

export default class QuarantineShowCommand extends BonnieCommand {
  static override summary = 'Show one quarantined delivery: its reason, history and bytes (escaped, or as they are with --raw).';
  static override description = `The bytes are printed escaped for a terminal: valid UTF-8 text as it is, every control character,
bidirectional override and byte that is not UTF-8 as an escape (\\x1b, \\r, \\u{202e}), a backslash as
\\\\. --raw writes the bytes exactly as received to standard output, nothing else (redirect it to a
file). --json gives them in base64. Opens the catalog read-only.`;
  static override examples = ['<%= config.bin %> <%= command.id %> 3', '<%= config.bin %> <%= command.id %> 3 --raw > delivery-3.bin', '<%= config.bin %> <%= command.id %> 3 --json'];
  static override args = {
    id: Args.string({description: 'The delivery\'s id (see "bonnie quarantine list").', required: true}),
  };
  static override flags = {
    raw: Flags.boolean({description: 'Write the bytes as received to standard output, and nothing else.', exclusive: ['json']}),
  };

  async run(): Promise<Shown | undefined> {
    const {args, flags} = await this.parse(QuarantineShowCommand);
    const [id] = parseIds([args.id], 'quarantined delivery', 'See "bonnie quarantine list --all" for the ids.') as [number];
    const settings = this.settings(flags);
    const catalog = openCatalog(settings.catalog, {readOnly: true});
    try {
      const detail = showQuarantined(catalog.db, id);
      if (flags.raw) {
        process.stdout.write(detail.raw);
        return undefined;
      }
      if (!this.jsonEnabled()) this.log(renderQuarantined(detail));
      const {raw, ...rest} = detail;
      return {...rest, rawBase64: raw.toString('base64')};
    } finally {
      catalog.close();
    }
  }
}
