/**
 * bonnie's `--help` (package.json oclif.helpClass): oclif's, with the description and examples laid out for
 * the terminal's width. Descriptions are hard-wrapped at ~110 columns in the source; oclif re-wraps them
 * and keeps those breaks, which left every other line short on an 80-column terminal. Loaded only when
 * help is shown.
 */
import {CommandHelp, Help, type Command, type Interfaces} from '#oclif';
import {layoutHelpText, wrapCommand, wrapWords} from './help-text.js';

class BonnieCommandHelp extends CommandHelp {
  /** The summary, then the description's paragraphs, flowed to the width (DESCRIPTION is indented 2). */
  protected override description(): string | undefined {
    const {summary, description} = this.command;
    if (description === undefined || description === '') return undefined;
    const text = this.opts.hideCommandSummaryInDescription || summary === undefined ? description : `${summary}\n\n${description}`;
    return layoutHelpText(this.render(text), this.opts.maxWidth - this.indentSpacing);
  }

  /** A one-line example too long for the width continues on the next lines after " \", as in a shell. */
  protected override examples(examples: Command.Example[] | string | undefined): string | undefined {
    if (examples === undefined || examples.length === 0) return undefined;
    const list = typeof examples === 'string' ? [examples] : examples;
    if (!list.every((example) => typeof example === 'string' && !example.includes('\n'))) return super.examples(examples);
    return list
      .map((example) => wrapCommand(`$ ${this.render(example as string)}`, this.opts.maxWidth - this.indentSpacing).join('\n'))
      .join('\n\n');
  }
}

export default class BonnieHelp extends Help {
  protected override CommandHelpClass = BonnieCommandHelp;
  /** The command whose help is being shown, until its summary line (the first thing shown) is wrapped. */
  private summaryToWrap: Command.Loadable | undefined;

  override async showCommandHelp(command: Command.Loadable): Promise<void> {
    this.summaryToWrap = command;
    try {
      await super.showCommandHelp(command);
    } finally {
      this.summaryToWrap = undefined;
    }
  }

  /** The first line (bonnie's description, a topic's summary) wrapped; oclif prints it as it is. */
  override formatRoot(): string {
    return this.wrapFirstLine(super.formatRoot());
  }

  override formatTopic(topic: Interfaces.Topic): string {
    return this.wrapFirstLine(super.formatTopic(topic));
  }

  private wrapFirstLine(text: string): string {
    const [first = '', ...rest] = text.split('\n');
    return [...wrapWords(first, this.opts.maxWidth ?? 80), ...rest].join('\n');
  }

  /** Wrapped for the line above USAGE only: lists of commands wrap their summaries themselves. */
  protected override summary(command: Command.Loadable): string | undefined {
    const summary = super.summary(command);
    if (summary === undefined || command !== this.summaryToWrap) return summary;
    this.summaryToWrap = undefined;
    return wrapWords(summary, this.opts.maxWidth ?? 80).join('\n');
  }
}
