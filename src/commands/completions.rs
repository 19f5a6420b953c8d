use std::process::ExitCode;

use clap_complete::Shell;

use crate::ui::Ui;

/// Print a shell completion script for wcomp.
///
/// Completes subcommands, flags and their values (`--lang`'s languages
/// among them). Load it in the current shell, or install it where the
/// shell looks for completions.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  source <(wcomp completions bash)
  wcomp completions zsh > \"${fpath[1]}/_wcomp\"
  wcomp completions fish > ~/.config/fish/completions/wcomp.fish
  wcomp completions powershell >> $PROFILE")]
pub struct CompletionsCommand {
    /// The shell: bash, zsh, fish, powershell or elvish.
    pub shell: Shell,
}

impl CompletionsCommand {
    pub fn exec(self, _ui: &Ui) -> miette::Result<ExitCode> {
        let mut command = crate::cli::command_expanded();
        clap_complete::generate(self.shell, &mut command, "wcomp", &mut std::io::stdout());
        Ok(ExitCode::SUCCESS)
    }
}
