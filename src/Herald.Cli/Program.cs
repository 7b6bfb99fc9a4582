// Entry point of the `herald` command: builds the command tree and runs it.
using System.CommandLine;
using Herald.Cli.Commands;

var root = new RootCommand("Herald: an SMTP server and delivery engine that gets SMTP's replies right.");
foreach (Command command in HeraldCommands.Create())
{
    root.Subcommands.Add(command);
}

// `ln -s herald sendmail`: called by that name, every argument is sendmail's (see SendmailCommand).
if (SendmailCommand.InvokedAsSendmail())
{
    args = [SendmailCommand.Name, .. args];
}

return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
