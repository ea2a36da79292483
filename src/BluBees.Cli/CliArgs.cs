namespace BluBees.Cli;

/// <summary>Positional arguments and <c>--name value</c> options, parsed once.</summary>
internal sealed class CliArgs
{
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public CliArgs(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].StartsWith("--", StringComparison.Ordinal))
            {
                var name = list[i][2..];
                if (i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    _options[name] = list[++i];
                }
                else
                {
                    _flags.Add(name);
                }
            }
            else
            {
                Positional.Add(list[i]);
            }
        }
    }

    public List<string> Positional { get; } = [];

    /// <summary>
    /// The value of <c>--name value</c>; null when the option is absent. Given without a value (last, or followed by
    /// another option), it is a usage error: <c>runs --rule</c> must not silently list every rule's runs.
    /// </summary>
    public string? Option(string name)
        => _flags.Contains(name) ? throw new CliException($"--{name} needs a value.") : _options.GetValueOrDefault(name);

    public string Option(string name, string fallback) => Option(name) ?? fallback;

    public bool Flag(string name) => _flags.Contains(name);

    /// <summary>
    /// Refuses what a command does not read: an unknown option (a typo such as <c>--tenat</c> was ignored, and
    /// <c>backup restore</c> wrote under the backup's own tenant id), a flag given a value (<c>--retire yes</c> made
    /// <c>retire</c> an option, and the flag read as absent) and extra positional arguments. Names the argument,
    /// never an option's value (a mistyped option may carry a secret).
    /// </summary>
    public void RequireOnly(string command, int positionals, IReadOnlyCollection<string> options, IReadOnlyCollection<string> flags)
    {
        foreach (var name in _options.Keys.Concat(_flags).Order(StringComparer.Ordinal))
        {
            if (!options.Contains(name) && !flags.Contains(name))
            {
                throw new CliException($"unknown option --{name} for '{command}'. Run 'blubees {command} --help' for its options.");
            }

            if (flags.Contains(name) && _options.ContainsKey(name))
            {
                throw new CliException($"--{name} takes no value (for '{command}', the word after it is not read).");
            }
        }

        if (Positional.Count > positionals)
        {
            throw new CliException($"unexpected argument '{Positional[positionals]}' for '{command}'. Run 'blubees {command} --help' for its arguments.");
        }
    }

    public string At(int index, string what)
        => index < Positional.Count ? Positional[index] : throw new CliException($"Missing {what}.");
}

/// <summary>A user-facing error: printed without a stack trace, exit code 2.</summary>
internal sealed class CliException(string message) : Exception(message);
