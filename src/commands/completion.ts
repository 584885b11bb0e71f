import {Args} from '#oclif';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {completionScript, SHELLS, type Shell} from '../lib/cli/completion.js';

export default class CompletionCommand extends BonnieCommand {
  static override summary = 'Print the bash or zsh completion script for bonnie.';
  static override description = `Prints the completion script for commands, topics, flags and flag values, generated from the
commands themselves when bonnie was built. The Debian package already installs both
(/usr/share/bash-completion/completions/bonnie, /usr/share/zsh/vendor-completions/_bonnie); this command is
for installs with npm install -g.

bash (needs the bash-completion package): save it as ~/.local/share/bash-completion/completions/bonnie for
yourself, or /etc/bash_completion.d/bonnie for everyone; new shells complete bonnie.

zsh: save it as _bonnie in a folder of $fpath, e.g. ~/.zfunc/_bonnie with "fpath=(~/.zfunc $fpath)" before
"compinit" in ~/.zshrc, or /usr/local/share/zsh/site-functions/_bonnie for everyone; then start a new shell.`;
  static override examples = [
    'mkdir -p ~/.local/share/bash-completion/completions && <%= config.bin %> <%= command.id %> bash > ~/.local/share/bash-completion/completions/bonnie',
    'mkdir -p ~/.zfunc && <%= config.bin %> <%= command.id %> zsh > ~/.zfunc/_bonnie',
  ];
  static override args = {
    shell: Args.string({description: 'The shell: bash or zsh.', options: [...SHELLS], required: true}),
  };

  async run(): Promise<{shell: Shell; script: string}> {
    const {args} = await this.parse(CompletionCommand);
    const shell = args.shell as Shell;
    const script = completionScript(this.config.root, this.config.bin, shell);
    // As it is, without a trailing newline added: the output is the file.
    if (!this.jsonEnabled()) process.stdout.write(script);
    return {shell, script};
  }
}
