using System.Collections.Concurrent;
using BluBees.Engine.Connections;
using BluBees.Engine.Connections.Credentials;
using BluBees.Engine.Connections.OAuth;
using BluBees.Engine.Connections.Resilience;
using BluBees.Engine.Egress;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Steps.Transfer;
using BluBees.Engine.Storage;
using BluBees.Engine.Templates;
using BluBees.Engine.Tests.Egress;
using BluBees.Engine.Tests.Support;
using BluBees.Engine.Validation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Steps.Transfer;

/// <summary>
/// The transfer executor wired for real: SQLite store and key ring (connections with encrypted secrets), the
/// egress guard allowing loopback, the system clock (real sockets, real timeouts), and every log line captured.
/// </summary>
internal sealed class TransferKit : IDisposable
{
    public static readonly TenantId Tenant = new("tenant-t");
    private readonly KeyHarness _keys = new();
    private readonly EgressTestKit _egress = new(EgressTestKit.LoopbackOptions());
    private readonly LoggerFactory _loggers;

    public TransferKit(TransferOptions? options = null, JiraActionOptions? jira = null)
    {
        _loggers = new LoggerFactory([Logs]);
        Connections = _keys.Connections(EgressTestKit.LoopbackOptions());
        var client = new GuardedHttpClient(_egress.Guard, TimeProvider.System, _loggers.CreateLogger<GuardedHttpClient>());
        Tokens = new OAuthTokenProvider(
            Connections, new RotatedRefreshTokens(_keys.Store, _keys.Cipher), new OAuthTokenClient(client), TimeProvider.System,
            _loggers.CreateLogger<OAuthTokenProvider>());
        Pipelines = new ConnectionPipelines(TimeProvider.System);
        Executor = new TransferStepExecutor(
            Connections, new CredentialSource(Connections, Tokens), Pipelines, client, TimeProvider.System, TemplateLimits.Default, Options.Create(options ?? new TransferOptions()),
            Options.Create(new RunOptions()), Options.Create(jira ?? new JiraActionOptions()), _loggers.CreateLogger<TransferStepExecutor>());
    }

    public LogLines Logs { get; } = new();

    public ConnectionService Connections { get; }

    public OAuthTokenProvider Tokens { get; }

    public ConnectionPipelines Pipelines { get; }

    public TransferStepExecutor Executor { get; }

    public KeyHarness Keys => _keys;

    public static CompiledTransferStep Compile(string json, IReadOnlyDictionary<string, Connection>? connections = null)
    {
        var errors = new ValidationErrors();
        var step = StepKit.Transfer(TestJson.Read<StepDefinition>(json), "steps[0]", new StepCompileContext(connections, EgressTestKit.LoopbackOptions(), TemplateLimits.Default), errors);
        Assert.That(errors.IsEmpty, Is.True, () => errors.ToString());
        return step!;
    }

    public async Task<Connection> ConnectionAsync(Uri baseUrl, string secret)
    {
        var outcome = await Connections.CreateAsync(
            Tenant, new ConnectionInput { Name = "conn " + baseUrl.Port, BaseUrl = baseUrl.GetLeftPart(UriPartial.Authority), Auth = new ConnectionAuth { Type = AuthTypes.Bearer }, Secret = secret },
            CancellationToken.None);
        Assert.That(outcome.Value, Is.Not.Null, () => outcome.Errors?.ToString() ?? outcome.Detail ?? "");
        return outcome.Value!;
    }

    /// <summary>Runs the step; a hang fails the test instead of blocking the suite.</summary>
    public Task<StepOutcome> RunAsync(CompiledTransferStep step)
        => RunAsync(step, new StepRun(new Tenancy.TenantContext(Tenant.Value, "cloud", null), "system-token", StepKit.Scope()));

    /// <summary>Runs the step as <paramref name="run"/> (its token, site and scope).</summary>
    public Task<StepOutcome> RunAsync(CompiledTransferStep step, StepRun run)
        => Executor.ExecuteAsync(run, step, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2));

    public void Dispose()
    {
        Pipelines.Dispose();
        _loggers.Dispose();
        _egress.Dispose();
        _keys.Dispose();
    }

    /// <summary>Every log line at every level, with its structured values and exception text.</summary>
    internal sealed class LogLines : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public string AllText => string.Join('\n', _lines);

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
                lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} | {values} | {exception}");
            }
        }
    }
}
