using BluBees.Aws.Sqs;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BluBees.Aws.Composition;

/// <summary>What consumes the run queue in this process.</summary>
public enum WorkerMode
{
    /// <summary>The background <c>RunWorker</c> over the durable SQLite queue (the embedded default).</summary>
    InProcess,

    /// <summary><c>POST /internal/sqs-batch</c>: the Lambda Web Adapter hands this process SQS batches (the worker function).</summary>
    SqsRoute,

    /// <summary>Nothing: the queue is consumed elsewhere (the API function, which only sends to SQS).</summary>
    None,
}

/// <summary>
/// The one provider choice per concern, read from configuration once at composition and checked before anything
/// is registered. The keys are the documented ones (<c>Storage:Provider</c>, <c>Keys:Provider</c>,
/// <c>Queue:Provider</c>); <c>Worker:Mode</c> is new and, when unset, follows <c>Worker:Enabled</c> (the deployed
/// template sets it) and the queue, so every existing configuration composes as before.
/// </summary>
public sealed record ProviderChoices(StorageProvider Store, KeyProviderKind Keys, QueueProvider Queue, WorkerMode Worker)
{
    public const string WorkerModeKey = WorkerOptions.Section + ":Mode";
    private const string StoreKey = StorageOptions.Section + ":Provider";
    private const string KeysKey = KeyOptions.Section + ":Provider";
    private const string QueueKey = QueueOptions.Section + ":Provider";
    private const string WorkerEnabledKey = WorkerOptions.Section + ":Enabled";

    /// <summary>The choices already read into <paramref name="services"/>, or read now and kept there (read once).</summary>
    public static ProviderChoices Of(IServiceCollection services, IConfiguration configuration)
    {
        if (services.FirstOrDefault(d => d.ServiceType == typeof(ProviderChoices))?.ImplementationInstance is ProviderChoices known)
        {
            return known;
        }

        var choices = Read(configuration);
        services.AddSingleton(choices);
        return choices;
    }

    /// <summary>Parses and cross-checks the four switches; every problem is named in one <see cref="OptionsValidationException"/>.</summary>
    public static ProviderChoices Read(IConfiguration configuration)
    {
        var errors = new List<string>();
        var store = Parse(configuration, StoreKey, StorageProvider.Sqlite, errors);
        var keys = Parse(configuration, KeysKey, KeyProviderKind.LocalFile, errors);
        var queue = Parse(configuration, QueueKey, QueueProvider.InProcess, errors);
        var worker = ReadWorker(configuration, queue, errors);
        if (errors.Count == 0)
        {
            if (worker == WorkerMode.InProcess && queue != QueueProvider.InProcess)
            {
                errors.Add($"{WorkerModeKey} InProcess runs the SQLite queue, but {QueueKey} is {queue}: use SqsRoute or None.");
            }

            if (queue == QueueProvider.InProcess && worker != WorkerMode.InProcess)
            {
                // Nothing else reads the SQLite queue: its runs would wait forever.
                errors.Add($"{QueueKey} InProcess needs {WorkerModeKey} InProcess (is {worker}): nothing else runs that queue.");
            }
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(nameof(ProviderChoices), typeof(ProviderChoices), errors);
        }

        return new ProviderChoices(store, keys, queue, worker);
    }

    private static WorkerMode ReadWorker(IConfiguration configuration, QueueProvider queue, List<string> errors)
    {
        bool? enabled = null;
        var enabledText = configuration[WorkerEnabledKey];
        if (!string.IsNullOrWhiteSpace(enabledText))
        {
            if (bool.TryParse(enabledText, out var parsed))
            {
                enabled = parsed;
            }
            else
            {
                errors.Add($"{WorkerEnabledKey} '{enabledText}' is not true or false.");
            }
        }

        if (!string.IsNullOrWhiteSpace(configuration[WorkerModeKey]))
        {
            var mode = Parse(configuration, WorkerModeKey, WorkerMode.InProcess, errors);
            if (enabled is { } flag && flag != (mode == WorkerMode.SqsRoute))
            {
                errors.Add($"{WorkerEnabledKey} {flag.ToString().ToLowerInvariant()} contradicts {WorkerModeKey} {mode}: set only {WorkerModeKey}.");
            }

            return mode;
        }

        // The settings that predate Worker:Mode: the template's worker function sets Worker:Enabled=true.
        return enabled == true ? WorkerMode.SqsRoute : queue == QueueProvider.InProcess ? WorkerMode.InProcess : WorkerMode.None;
    }

    private static T Parse<T>(IConfiguration configuration, string key, T fallback, List<string> errors) where T : struct, Enum
    {
        var text = configuration[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        // Names only: Enum.TryParse would also take "7" or "Sqlite,DynamoDb".
        foreach (var name in Enum.GetNames<T>())
        {
            if (string.Equals(name, text.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return Enum.Parse<T>(name);
            }
        }

        errors.Add($"{key} '{text}' is not one of: {string.Join(", ", Enum.GetNames<T>())}.");
        return fallback;
    }
}
