using BluBees.Engine.Crypto;
using BluBees.Engine.Hosting;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// A start the backend refuses on purpose, with a message that names what to fix: configuration that does not
/// validate (ours, or the framework's own log levels and listen addresses: <see cref="HostSettings"/>), a database it
/// cannot open or that a newer release wrote, a data directory without its key shares, another backend already
/// consuming the same database, a listen address another process holds. Program.cs prints the message on stderr and exits 2 for these, instead
/// of the runtime's "Unhandled exception" with a stack trace and an abort (exit 134). Anything else still fails loudly
/// with its stack: it is a bug, not an operator's mistake.
/// </summary>
internal static class StartRefusal
{
    public const int ExitCode = 2;

    /// <summary>The refusal's message, or null when <paramref name="error"/> is not a refusal.</summary>
    public static string? MessageOf(Exception error)
    {
        // Several options classes refused at once come as one AggregateException (the host validates them all): a
        // refusal when each of them is one, told on one line. Before, two bad settings ended in an unhandled exception
        // with a stack trace (exit 134) instead of naming both.
        if (error is AggregateException { InnerExceptions.Count: > 0 } aggregate)
        {
            var messages = aggregate.InnerExceptions.Select(MessageOf).ToList();
            return messages.All(m => m is not null) ? string.Join("; ", messages) : null;
        }

        var e = error;
        return e switch
        {
            OptionsValidationException options => OptionsMessages.Describe(options),
            StoreOpenException or KeyRingMissingException or KeyRingOpenException or BackendAlreadyRunningException => e.Message,
            // The configuration binder's "Failed to convert configuration value 'abc' at 'Runs:WorkerConcurrency' to type
            // 'System.Int32'." (generated into our assemblies: EnableConfigurationBindingGenerator) names the key; it
            // comes before any validator, and ended the process unhandled.
            InvalidOperationException { InnerException: FormatException or OverflowException or ArgumentException } when e.Message.StartsWith("Failed to convert configuration value ", StringComparison.Ordinal) => e.Message,
            // Kestrel's "Failed to bind to address http://…: address already in use." names the address, not the setting.
            IOException { InnerException: Microsoft.AspNetCore.Connections.AddressInUseException } => e.Message + " Set urls (--urls, env ASPNETCORE_URLS) to a free address, or stop what listens there.",
            _ => null,
        };
    }

    /// <summary>Runs the app; a refused start is written to <paramref name="error"/> and answered with <see cref="ExitCode"/>.</summary>
    public static int Run(Func<WebApplication> create, TextWriter error)
    {
        try
        {
            create().Run();
            return 0;
        }
        catch (Exception ex) when (MessageOf(ex) is { } message)
        {
            error.WriteLine("error: the backend did not start: " + message);
            return ExitCode;
        }
    }
}
