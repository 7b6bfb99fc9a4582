// `herald user add|remove|list|passwd`: manages the submission users of the data directory.
using System.CommandLine;
using System.Text;
using Herald.Cli.Configuration;
using Herald.Policy.Authentication;

namespace Herald.Cli.Commands;

/// <summary>
/// Passwords are read from the terminal without echo, or from standard input with <c>--stdin</c> (one
/// line), never from the command line where other users could see them. A running server picks up
/// changes without a restart.
/// </summary>
internal static class UserCommand
{
    public static Command Create()
    {
        var command = new Command("user", "Manage the users who may authenticate (AUTH PLAIN/LOGIN) to submit mail.");
        command.Subcommands.Add(SetPassword("add", "Add a user (a plain name or an address).", mustExist: false));
        command.Subcommands.Add(SetPassword("passwd", "Change a user's password.", mustExist: true));
        command.Subcommands.Add(Remove());
        command.Subcommands.Add(List());
        return command;
    }

    private static Command SetPassword(string name, string description, bool mustExist)
    {
        var user = new Argument<string>("name") { Description = "The user name clients authenticate with." };
        var stdin = new Option<bool>("--stdin") { Description = "Read the password from the first line of standard input." };
        var command = new Command(name, description);
        command.Arguments.Add(user);
        command.Options.Add(stdin);
        AddCommon(command);
        command.SetAction(parseResult => Run(parseResult, (file, output, error) =>
        {
            string userName = parseResult.GetValue(user)!;
            if (!UserFile.IsValidName(userName))
            {
                error.WriteLine($"herald: '{userName}' is not a valid user name (no spaces, ':' or '#').");
                return ExitCodes.DataError;
            }

            var users = new Dictionary<string, string>(file.Read(), StringComparer.OrdinalIgnoreCase);
            if (mustExist != users.ContainsKey(userName))
            {
                error.WriteLine(mustExist ? $"herald: no user '{userName}'." : $"herald: user '{userName}' exists; use `herald user passwd`.");
                return ExitCodes.DataError;
            }

            string? password = parseResult.GetValue(stdin) ? Console.In.ReadLine() : ReadHidden("Password: ", "Again: ", error);
            if (string.IsNullOrEmpty(password))
            {
                error.WriteLine("herald: no password given.");
                return ExitCodes.DataError;
            }

            users[userName] = PasswordHash.Create(password);
            file.Write(users);
            output.WriteLine(mustExist ? $"password of '{userName}' changed" : $"user '{userName}' added");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Remove()
    {
        var user = new Argument<string>("name");
        var command = new Command("remove", "Remove a user.");
        command.Arguments.Add(user);
        AddCommon(command);
        command.SetAction(parseResult => Run(parseResult, (file, output, error) =>
        {
            var users = new Dictionary<string, string>(file.Read(), StringComparer.OrdinalIgnoreCase);
            if (!users.Remove(parseResult.GetValue(user)!))
            {
                error.WriteLine($"herald: no user '{parseResult.GetValue(user)}'.");
                return ExitCodes.DataError;
            }

            file.Write(users);
            output.WriteLine($"user '{parseResult.GetValue(user)}' removed");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List the users (names only).");
        AddCommon(command);
        command.SetAction(parseResult => Run(parseResult, (file, output, _) =>
        {
            foreach (string name in file.Read().Keys.Order(StringComparer.OrdinalIgnoreCase))
            {
                output.WriteLine(name);
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void AddCommon(Command command)
    {
        command.Options.Add(CommonOptions.Config);
        command.Options.Add(CommonOptions.Set);
    }

    private static int Run(ParseResult parseResult, Func<UserFile, TextWriter, TextWriter, int> action)
    {
        TextWriter error = parseResult.InvocationConfiguration.Error;
        try
        {
            HeraldSettings settings = CommonOptions.LoadSettings(parseResult);
            return action(new UserFile(settings.UsersFile), parseResult.InvocationConfiguration.Output, error);
        }
        catch (ConfigurationException e)
        {
            error.WriteLine("herald: " + e.Message);
            return ExitCodes.Config;
        }
        catch (IOException e)
        {
            error.WriteLine("herald: cannot write the users file: " + e.Message);
            return ExitCodes.CantCreate;
        }
    }

    private static string? ReadHidden(string prompt, string again, TextWriter error)
    {
        if (Console.IsInputRedirected)
        {
            error.WriteLine("herald: standard input is not a terminal; use --stdin to read the password from it.");
            return null;
        }

        string first = ReadLineWithoutEcho(prompt);
        return first == ReadLineWithoutEcho(again) ? first : null;
    }

    private static string ReadLineWithoutEcho(string prompt)
    {
        Console.Error.Write(prompt);
        var password = new StringBuilder();
        while (true)
        {
            ConsoleKeyInfo key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return password.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (password.Length > 0)
                {
                    password.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }
    }
}
