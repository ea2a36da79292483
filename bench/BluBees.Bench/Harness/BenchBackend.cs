using BluBees.Api;
using BluBees.Engine.Connections;
using BluBees.Engine.Rules;
using BluBees.Engine.Tenancy;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;

namespace BluBees.Bench.Harness;

/// <summary>
/// The real backend (<see cref="BluBeesApp.Create"/>) on Kestrel over loopback, in production mode: tokens are
/// verified against <see cref="BenchIssuer"/>'s JWKS fetched over HTTP, SQLite in a fresh temp directory, egress
/// allowed to loopback http on any port, logging at Warning. Seeds one tenant, one bearer connection to the sink
/// and one rule.
/// </summary>
internal sealed class BenchBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BenchBackend(WebApplication app, Uri address, string dataDirectory, string tenantId)
    {
        _app = app;
        Address = address;
        DataDirectory = dataDirectory;
        TenantId = tenantId;
    }

    public Uri Address { get; }
    public string DataDirectory { get; }
    public string TenantId { get; }

    /// <summary>
    /// The bench connection's limits, set explicitly: the highest the validator allows, so the engine is what is
    /// measured. A connection left at its defaults is capped at 50 requests/s and 10 in flight; with
    /// <paramref name="defaultLimits"/> the bench measures exactly that, as its own line. The rate was 1,000/s, the
    /// validator's highest until then, and it bound: the rate limiter counts starts per one-second window, the engine
    /// completes more than 1,000 events/s for one tenant, and a window filled by one phase (the 3 s at 1,000/s offered)
    /// held the next phase's events of that tenant until the window ended (the 8-tenant phase's p99 of 213-571 ms).
    /// </summary>
    private static readonly (string Category, string Level)[] QuietLogLevels =
        [("Default", "Warning"), ("Microsoft", "Warning"), ("System", "Warning")];

    /// <summary>src/BluBees.Api/appsettings.json's levels, what the deployed backend logs at.</summary>
    private static readonly (string Category, string Level)[] DeployedLogLevels =
        [("Default", "Information"), ("Microsoft.AspNetCore", "Warning"), ("Microsoft.AspNetCore.Server.Kestrel", "Warning"), ("System.Net.Http.HttpClient", "Warning")];

    public static readonly ConnectionResilience EngineLimits = new() { RequestsPerSecond = 10_000, MaxConcurrency = 100, QueueLimit = 1000 };

    /// <param name="productionLogging">
    /// Log at the deployed levels (src/BluBees.Api/appsettings.json) through the default console formatter, as the
    /// deployed backend does, instead of at Warning.
    /// </param>
    public static async Task<BenchBackend> StartAsync(BenchIssuer issuer, Sink sink, int workerConcurrency, int queueCapacity, bool defaultLimits = false, bool productionLogging = false)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "blubees-bench", Guid.NewGuid().ToString("N"));
        var config = new Dictionary<string, string?>
        {
            ["Forge:AppId"] = BenchIssuer.AppId,
            ["Forge:JwksUrl"] = issuer.JwksUrl.ToString(),
            ["Storage:DataDirectory"] = dataDirectory,
            ["Egress:AllowHttp"] = "true",
            ["Egress:AllowPrivateNetworks"] = "true",
            ["Egress:AllowAnyPort"] = "true",
            ["Runs:WorkerConcurrency"] = workerConcurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Half of the workers per tenant, the defaults' ratio (16 and 8).
            ["Runs:PerTenantConcurrency"] = Math.Max(1, workerConcurrency / 2).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Runs:QueueCapacity"] = queueCapacity.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (category, level) in productionLogging ? DeployedLogLevels : QuietLogLevels)
        {
            config["Logging:LogLevel:" + category] = level;
        }

        var app = BluBeesApp.Create([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(config);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            if (productionLogging)
            {
                builder.Logging.AddConsole();
            }
            else
            {
                builder.Logging.SetMinimumLevel(LogLevel.Warning);
                builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            }
        });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var tenantId = "ari:cloud:ecosystem::installation/" + Guid.NewGuid();
        var backend = new BenchBackend(app, address, dataDirectory, tenantId);
        await backend.SeedAsync(sink.Address, defaultLimits ? null : EngineLimits);
        return backend;
    }

    /// <summary>Install, connection and rule through the engine's own services (the admin API would need a fake Jira).</summary>
    private async Task SeedAsync(Uri sinkAddress, ConnectionResilience? limits)
    {
        var ct = CancellationToken.None;
        var tenant = new TenantContext(TenantId, "cloud-bench", "https://api.atlassian.com/ex/jira/cloud-bench");
        await _app.Services.GetRequiredService<TenantService>().InstallAsync(tenant, ct);
        var connection = await _app.Services.GetRequiredService<ConnectionService>().CreateAsync(tenant.Id, new ConnectionInput
        {
            Name = "Bench sink",
            BaseUrl = new Uri(sinkAddress, "/api/v2").ToString(),
            Auth = new ConnectionAuth { Type = "bearer" },
            Secret = "bench-secret-" + Guid.NewGuid().ToString("N"),
            Resilience = limits,
        }, ct);
        var connectionId = connection.Value?.Id ?? throw new InvalidOperationException("Seeding the connection failed: " + connection.Errors + connection.Detail);
        var rule = await _app.Services.GetRequiredService<RuleService>().CreateAsync(tenant.Id, BenchScenario.Rule(connectionId), "bench", ct);
        _ = rule.Value ?? throw new InvalidOperationException("Seeding the rule failed: " + rule.Errors + rule.Detail);
    }

    /// <summary>A further tenant with its own connection (to <paramref name="baseUrl"/>, explicit limits) and the bench rule.</summary>
    public async Task<string> AddTenantAsync(Uri baseUrl, CancellationToken ct = default)
    {
        var tenantId = "ari:cloud:ecosystem::installation/" + Guid.NewGuid();
        var tenant = new TenantContext(tenantId, "cloud-bench", "https://api.atlassian.com/ex/jira/cloud-bench");
        await _app.Services.GetRequiredService<TenantService>().InstallAsync(tenant, ct);
        var connection = await _app.Services.GetRequiredService<ConnectionService>().CreateAsync(tenant.Id, new ConnectionInput
        {
            Name = "Bench third party",
            BaseUrl = new Uri(baseUrl, "/api/v2").ToString(),
            Auth = new ConnectionAuth { Type = "bearer" },
            Secret = "bench-secret-" + Guid.NewGuid().ToString("N"),
            Resilience = EngineLimits,
        }, ct);
        var connectionId = connection.Value?.Id ?? throw new InvalidOperationException("Seeding the connection failed: " + connection.Errors + connection.Detail);
        var rule = await _app.Services.GetRequiredService<RuleService>().CreateAsync(tenant.Id, BenchScenario.Rule(connectionId), "bench", ct);
        _ = rule.Value ?? throw new InvalidOperationException("Seeding the rule failed: " + rule.Errors + rule.Detail);
        return tenantId;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
