namespace BluBees.Cli.Operator;

/// <summary>The backup passphrase: from an environment variable (<c>--passphrase-env VAR</c>) or a file (<c>--key-file FILE</c>), never from the command line.</summary>
internal static class BackupPassphrase
{
    public static string From(CliArgs cli)
    {
        string? passphrase;
        if (cli.Option("passphrase-env") is { } variable)
        {
            passphrase = Environment.GetEnvironmentVariable(variable)
                ?? throw new CliException($"environment variable {variable} (--passphrase-env) is not set.");
        }
        else if (cli.Option("key-file") is { } file)
        {
            passphrase = File.Exists(file) ? File.ReadAllText(file).Trim() : throw new CliException($"key file '{file}' does not exist.");
        }
        else
        {
            throw new CliException("give the backup passphrase with --passphrase-env VAR or --key-file FILE.");
        }

        return passphrase.Length >= BackupFile.MinPassphraseLength
            ? passphrase
            : throw new CliException($"the backup passphrase must have at least {BackupFile.MinPassphraseLength} characters.");
    }
}
