using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
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
using BluBees.Engine.Tests.Egress;
using BluBees.Engine.Tests.Support;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Policies;

/// <summary>
/// The HTTP step wired by hand, as the host wires it: real store, keys and cipher, the real egress guard (loopback
/// allowed), the OAuth token provider and the connection pipelines, all on one probing fake clock.
/// </summary>
internal sealed class PolicyHarness : IDisposable
{
    private readonly KeyHarness _keys = new();
    private readonly EgressGuard _guard;

    public PolicyHarness()
    {
        Time = new ProbeTime(KeyHarness.Start);
        var egress = EgressTestKit.LoopbackOptions();
        Connections = _keys.Connections(egress);
        _guard = new EgressGuard(Options.Create(egress), Resolver);
        var http = new GuardedHttpClient(_guard, Time, new ListLogger<GuardedHttpClient>(Logs));
        Rotated = new RotatedRefreshTokens(_keys.Store, _keys.Cipher);
        Tokens = new OAuthTokenProvider(Connections, Rotated, new OAuthTokenClient(http), Time, new ListLogger<OAuthTokenProvider>(Logs));
        Pipelines = new ConnectionPipelines(Time);
        Credentials = new CredentialSource(Connections, Tokens);
        Executor = new HttpStepExecutor(Connections, Credentials, Pipelines, http, Time, TemplateLimits.Default, Options.Create(new RunOptions()));
    }

    public ProbeTime Time { get; }
    public FakeResolver Resolver { get; } = new();
    public ConcurrentQueue<string> Logs { get; } = new();
    public ConnectionService Connections { get; }
    public RotatedRefreshTokens Rotated { get; }
    public OAuthTokenProvider Tokens { get; }
    public ConnectionPipelines Pipelines { get; }
    public CredentialSource Credentials { get; }
    public HttpStepExecutor Executor { get; }
    public KeyHarness Keys => _keys;

    public async Task<Connection> CreateAsync(TenantId tenant, ConnectionInput input)
    {
        var outcome = await Connections.CreateAsync(tenant, input, CancellationToken.None);
        Assert.That(outcome.Kind, Is.EqualTo(OutcomeKind.Ok), () => outcome.Errors?.ToString() ?? outcome.Detail ?? "");
        return outcome.Value!;
    }

    /// <summary>A bearer connection to <paramref name="server"/> with the given resilience settings (names are unique per tenant: the port tells them apart).</summary>
    public Task<Connection> CreateAsync(TenantId tenant, LoopbackServer server, ConnectionResilience? resilience = null, string secret = "s3cret")
        => CreateAsync(tenant, new ConnectionInput
        {
            Name = "API " + server.Url("/").Port,
            BaseUrl = server.Url("/api").ToString(),
            Auth = new ConnectionAuth { Type = AuthTypes.Bearer },
            Secret = secret,
            Resilience = resilience,
        });

    /// <summary>A step on <paramref name="connection"/>: <c>GET /items</c> unless told otherwise.</summary>
    public static CompiledHttpStep Step(Connection connection, string method = "GET", string path = "/items", string? headers = null, string id = "call")
        => StepKit.ValidAtRunTime($$"""
            { "id": "{{id}}", "type": "http", "connection": "{{connection.Id}}", "method": "{{method}}", "path": "{{path}}"{{(headers is null ? "" : ", \"headers\": " + headers)}}{{(method is "POST" or "PUT" or "PATCH" ? ", \"body\": { \"key\": \"{{ issue.key }}\" }" : "")}} }
            """);

    public Task<StepOutcome> RunAsync(string tenant, CompiledHttpStep step, CancellationToken ct = default)
        => Executor.ExecuteAsync(Run(tenant), step, ct);

    public Task<StepOutcome> RunAsync(StepRun run, CompiledHttpStep step, CancellationToken ct = default)
        => Executor.ExecuteAsync(run, step, ct);

    /// <summary>A run of <paramref name="tenant"/> over <paramref name="scope"/> (default: the sample event).</summary>
    public static StepRun Run(string tenant, JsonObject? scope = null, string? ruleId = null)
        => new(new Tenancy.TenantContext(tenant, null, null), null, scope ?? StepKit.Scope()) { Trace = ruleId is null ? null : BluBees.Engine.Steps.Jira.JiraTrace.New(ruleId) };

    /// <summary>Everything a run would store or show about these outcomes, plus every log line.</summary>
    public string Evidence(params StepOutcome[] outcomes)
        => string.Join('\n', outcomes.Select(o => JsonSerializer.Serialize(o.Record) + (o.Output?.ToJsonString() ?? "")))
            + "\n" + string.Join('\n', Logs);

    public async Task<string> StoredAsync(string tenant) => string.Join('\n', (await _keys.PartitionAsync(tenant)).Select(i => i.Sk + " " + i.Data));

    public void Dispose()
    {
        Pipelines.Dispose();
        _guard.Dispose();
        _keys.Dispose();
    }
}

/// <summary>Helpers for loopback servers that answer from a script.</summary>
internal static class Scripted
{
    /// <summary>Answers the n-th request (0-based) with <paramref name="script"/>[n] (the last one repeats).</summary>
    public static LoopbackServer Sequence(params (int Status, string Body, (string, string)[] Headers)[] script)
    {
        var count = -1;
        return LoopbackServer.Start((_, s, ct) =>
        {
            var (status, body, headers) = script[Math.Min(Interlocked.Increment(ref count), script.Length - 1)];
            return LoopbackServer.RespondAsync(s, status, body, ct, headers);
        });
    }

    public static (int, string, (string, string)[]) Answer(int status, string body = "{}", params (string, string)[] headers) => (status, body, headers);

    public static JsonObject Form(RecordedRequest request)
    {
        var form = new JsonObject();
        foreach (var pair in System.Text.Encoding.UTF8.GetString(request.Body).Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            form[Uri.UnescapeDataString(pair[..eq])] = Uri.UnescapeDataString(pair[(eq + 1)..]);
        }

        return form;
    }
}
