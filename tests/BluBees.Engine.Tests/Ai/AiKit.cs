using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Steps.Ai;
using BluBees.Engine.Common;
using BluBees.Engine.Connections;
using BluBees.Engine.Connections.Credentials;
using BluBees.Engine.Connections.OAuth;
using BluBees.Engine.Connections.Resilience;
using BluBees.Engine.Egress;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps;
using BluBees.Engine.Storage;
using BluBees.Engine.Templates;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Tests.Egress;
using BluBees.Engine.Tests.Support;
using BluBees.Engine.Validation;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Ai;

/// <summary>
/// The real pieces of an AI step execution: SQLite store, local key ring, connection service (secrets encrypted),
/// the egress guard (loopback allowed unless told otherwise), the executor, and a capturing logger.
/// </summary>
internal sealed class AiKit : IDisposable
{
    public static readonly TenantId Tenant = new("tenant-ai");

    private readonly KeyHarness _keys = new();
    private readonly EgressTestKit _egress;

    public AiKit(EgressOptions? egress = null, int maxResponseBytes = 1024 * 1024)
    {
        _egress = new EgressTestKit(egress ?? EgressTestKit.LoopbackOptions());
        Connections = _keys.Connections(EgressTestKit.LoopbackOptions());
        Tokens = new OAuthTokenProvider(
            Connections, new RotatedRefreshTokens(_keys.Store, _keys.Cipher), new OAuthTokenClient(_egress.Client), _keys.Time,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<OAuthTokenProvider>.Instance);
        Pipelines = new ConnectionPipelines(_keys.Time);
        Executor = new AiStepExecutor(Connections, new CredentialSource(Connections, Tokens), Pipelines, _egress.Client, _keys.Time, TemplateLimits.Default, Options.Create(new RunOptions { MaxStepResponseBytes = maxResponseBytes }), Logs);
    }

    public ListLogger<AiStepExecutor> Logs { get; } = new();

    public ConnectionService Connections { get; }

    public OAuthTokenProvider Tokens { get; }

    public ConnectionPipelines Pipelines { get; }

    public AiStepExecutor Executor { get; }

    public KeyHarness Keys => _keys;

    public async Task<Connection> ConnectionAsync(string provider, Uri baseUrl, string secret, ConnectionAuth? auth = null)
    {
        var input = new ConnectionInput
        {
            Name = provider + " test",
            BaseUrl = baseUrl.ToString().TrimEnd('/'),
            Auth = auth ?? new ConnectionAuth { Type = AuthTypes.Bearer },
            Secret = secret,
            Provider = provider,
        };
        var outcome = await Connections.CreateAsync(Tenant, input, CancellationToken.None);
        Assert.That(outcome.Kind, Is.EqualTo(OutcomeKind.Ok), () => outcome.Errors?.ToString() ?? outcome.Detail ?? string.Empty);
        return outcome.Value!;
    }

    /// <summary>Compiles the step (with the tenant's connections) and runs it against <paramref name="scope"/>.</summary>
    public async Task<StepOutcome> RunAsync(string stepJson, JsonObject? scope = null)
    {
        var step = await CompileAsync(stepJson);
        var run = new StepRun(new TenantContext(Tenant.Value, "cloud-1", "https://example.atlassian.net"), "system-token", scope ?? Scope());
        return await Executor.ExecuteAsync(run, step, CancellationToken.None);
    }

    public async Task<CompiledAiStep> CompileAsync(string stepJson)
    {
        var connections = (await Connections.ListAsync(Tenant, CancellationToken.None)).ToDictionary(c => c.Id, StringComparer.Ordinal);
        var errors = new ValidationErrors();
        var step = StepKit.AiChat(StepKit.Step(stepJson), "steps[0]", new StepCompileContext(connections, new EgressOptions(), TemplateLimits.Default), errors);
        Assert.That(errors.IsEmpty, Is.True, () => errors.ToString());
        return step!;
    }

    /// <summary>A run scope with an issue whose summary and description the prompts map from.</summary>
    public static JsonObject Scope(string summary = "Login fails on Safari", string description = "Steps: open the login page in Safari 17.")
        => new()
        {
            ["event"] = new JsonObject { ["type"] = "avi:jira:created:issue", ["source"] = "forge" },
            ["issue"] = new JsonObject
            {
                ["key"] = "PRJ-12",
                ["fields"] = new JsonObject { ["summary"] = summary, ["description"] = description },
            },
            ["steps"] = new JsonObject(),
        };

    /// <summary>Everything a run leaves behind: the record (as stored JSON), the log lines, and the tenant's stored items.</summary>
    public async Task<string> TracesAsync(StepOutcome outcome)
    {
        var stored = await _keys.PartitionAsync(Tenant.Value);
        return string.Join('\n', JsonSerializer.Serialize(outcome.Record), Logs.AllText, string.Join('\n', stored.Select(s => s.Data)));
    }

    public void Dispose()
    {
        Pipelines.Dispose();
        _egress.Dispose();
        _keys.Dispose();
    }
}
