namespace BluBees.Cli.Operator;

/// <summary>The backup passphrase: from an environment variable (<c>--passphrase-env VAR</c>) or a file (<c>--key-file FILE</c>), never from the command line.</summary>
internal static class BackupPassphrase
{
    public static string From(CliArgs cli)
    {
        string? passphrase;
        if (cli.Option("passphrase-env") is not null && cli.Option("key-file") is not null)
        {
            // The variable won silently: an export sealed under a passphrase the operator did not mean, and later
            // restored with the key file, was 'wrong passphrase' for good.
            throw new CliException("give the backup passphrase once: --passphrase-env VAR or --key-file FILE, not both.");
        }

        if (cli.Option("passphrase-env") is { } variable)
        {
            passphrase = Environment.GetEnvironmentVariable(variable)
                ?? throw new CliException($"environment variable {variable} (--passphrase-env) is not set.");
        }
        else if (cli.Option("key-file") is { } file)
        {
            // Decoded as File.ReadAllText did (a byte order mark detected and dropped), but bounded.
            using var reader = new StreamReader(new MemoryStream(OperatorFiles.Read(file, OperatorFiles.MaxKeyFileBytes, "--key-file")), detectEncodingFromByteOrderMarks: true);
            passphrase = reader.ReadToEnd().Trim();
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
