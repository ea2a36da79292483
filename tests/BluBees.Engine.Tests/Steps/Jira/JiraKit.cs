using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using BluBees.Engine.Egress;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Templates;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Tests.Egress;
using BluBees.Engine.Tests.Support;
using BluBees.Engine.Validation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Steps.Jira;

/// <summary>The Jira steps wired as in production (guarded client, Refit, options) against a <see cref="FakeJiraSite"/>.</summary>
internal sealed class JiraKit : IAsyncDisposable
{
    private readonly EgressTestKit _egress = new(EgressTestKit.LoopbackOptions());
    private readonly TempDirectory _dir = new();

    public JiraKit(JiraActionOptions? options = null)
    {
        Site = FakeJiraSite.Start(Time);
        Options = options ?? new JiraActionOptions();
        Options.ApiBaseUrlOverride ??= Site.BaseUrl.ToString();
        var wrapped = Microsoft.Extensions.Options.Options.Create(Options);
        var jiraSite = new JiraSite(new JiraEgressHandler(_egress.Client), wrapped);
        Store = new Engine.Storage.SqliteStore(Microsoft.Extensions.Options.Options.Create(new Engine.Storage.StorageOptions { DataDirectory = _dir.Path }), Time);
        InstallGrace = new JiraInstallGrace(Store, Time, wrapped);
        Actions = new JiraActions(jiraSite, Time, TemplateLimits.Default, wrapped, Microsoft.Extensions.Options.Options.Create(new RunOptions()), InstallGrace, new ListLogger<JiraActions>(Logs));
        Preview = new JiraPreview(TemplateLimits.Default, wrapped);
        FieldCatalog = new JiraFieldCatalog(jiraSite, Time, wrapped, Microsoft.Extensions.Options.Options.Create(new RunOptions()), new ListLogger<JiraFieldCatalog>(Logs));
    }

    /// <summary>The site's field list (fields by display name), against the same fake site.</summary>
    public JiraFieldCatalog FieldCatalog { get; }

    public WaitRecordingClock Time { get; } = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    public FakeJiraSite Site { get; }

    /// <summary>The tenant store (empty: no tenant record, so no install grace, unless a test records an install).</summary>
    public Engine.Storage.IStore Store { get; }

    public JiraInstallGrace InstallGrace { get; }

    /// <summary>Records <see cref="Tenant"/> as installed at <paramref name="at"/>, as the install lifecycle event does.</summary>
    public Task RecordInstallAsync(DateTimeOffset at)
        => Store.PutAsync(new Engine.Storage.StoreItem(Engine.Storage.Keys.Tenant(Tenant.TenantId), Engine.Storage.Keys.TenantMeta,
            Engine.Common.StoredJson.Write(new TenantRecord(Tenant.TenantId, Tenant.CloudId, at, at))), CancellationToken.None);

    public JiraActionOptions Options { get; }

    public JiraActions Actions { get; }

    public JiraPreview Preview { get; }

    public ConcurrentQueue<string> Logs { get; } = new();

    public static TenantContext Tenant { get; } = new("tenant-1", "cloud-1", "https://api.atlassian.com/ex/jira/cloud-1");

    public static CompiledJiraStep Compile(string json)
    {
        var definition = TestJson.Read<StepDefinition>(json);
        var errors = new ValidationErrors();
        Assert.That(StepKinds.TryGet(definition.Type, out var compiler), Is.True);
        var step = compiler!.Compile(definition, "steps[0]", new StepCompileContext(null, new EgressOptions(), TemplateLimits.Default), errors);
        Assert.That(errors.IsEmpty, Is.True, () => errors.ToString());
        return (CompiledJiraStep)step!;
    }

    public Task<StepOutcome> RunAsync(string stepJson, string? token = FakeJiraSite.Token, JsonObject? scope = null, string? trace = "blubees.rule_1.abc")
        => Actions.ExecuteAsync(new StepRun(Tenant, token, scope ?? SampleEvents.Scope()) { Trace = trace }, Compile(stepJson), CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await Site.DisposeAsync();
        _egress.Dispose();
        _dir.Dispose();
    }
}

/// <summary>Keeps every formatted log line, with the values of its structured properties.</summary>
internal sealed class ListLogger<T>(ConcurrentQueue<string> lines) : ILogger<T>
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
        lines.Enqueue($"{logLevel} {formatter(state, exception)} {values} {exception}");
    }
}
