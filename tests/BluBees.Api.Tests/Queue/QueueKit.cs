using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Connections;
using BluBees.Engine.Events;
using BluBees.Engine.Hosting;
using BluBees.Engine.Json;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using BluBees.Engine.Execution;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// The engine as the backend registers it (SQLite store, key ring, durable queue, ingress), without a host, so the
/// tests drive the queue and the worker by hand on a fake clock. Everything is real: the SQLite file, the cipher.
/// </summary>
public sealed class QueueKit : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private readonly IDictionary<string, string?>? _settings;
    private readonly Action<IServiceCollection>? _configure;

    private QueueKit(ServiceProvider services, string dataDirectory, FakeTimeProvider clock, IDictionary<string, string?>? settings, Action<IServiceCollection>? configure)
    {
        _services = services;
        DataDirectory = dataDirectory;
        Clock = clock;
        _settings = settings;
        _configure = configure;
    }

    public string DataDirectory { get; }
    public FakeTimeProvider Clock { get; }
    public IServiceProvider Services => _services;
    public SqliteRunQueue Queue => _services.GetRequiredService<SqliteRunQueue>();
    public EventIngestor Ingress => _services.GetRequiredService<EventIngestor>();
    public RunStore Runs => _services.GetRequiredService<RunStore>();
    public IStore Store => _services.GetRequiredService<IStore>();
    public string DatabasePath => _services.GetRequiredService<IOptions<StorageOptions>>().Value.SqlitePath;

    public static QueueKit Create(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configure = null)
        => Create(Path.Combine(Path.GetTempPath(), "blubees-tests", Guid.NewGuid().ToString("N")), new FakeTimeProvider(DateTimeOffset.UtcNow), settings, configure);

    /// <summary>
    /// The next process on this kit's files: this kit's services are disposed (its files kept) and a new kit with the
    /// same settings and clock opens them, with nothing in memory from this one (keys, caches, messages kept opened).
    /// </summary>
    public async Task<QueueKit> RestartAsync()
    {
        await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        return Create(DataDirectory, Clock, _settings, _configure);
    }

    private static QueueKit Create(string dataDirectory, FakeTimeProvider clock, IDictionary<string, string?>? settings, Action<IServiceCollection>? configure)
    {
        var config = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = dataDirectory,
            ["Egress:AllowHttp"] = "true",
            ["Egress:AllowPrivateNetworks"] = "true",
            ["Egress:AllowAnyPort"] = "true",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(config).Build();
        var services = new ServiceCollection();
        services.AddLogging(l => l.ClearProviders());
        services.AddMetrics();
        services.AddSingleton<TimeProvider>(clock);
        services.AddBluBeesStorage(configuration).AddBluBeesKeys(configuration).AddBluBeesEngine(configuration).AddEmbeddedProviders();
        configure?.Invoke(services);
        var provider = services.BuildServiceProvider();
        _ = provider.GetRequiredService<SqliteRunQueue>(); // creates its table, as the backend's worker does on start
        return new QueueKit(provider, dataDirectory, clock, settings, configure);
    }

    /// <summary>A worker over this kit's queue (not started).</summary>
    public RunWorker Worker() => ActivatorUtilities.CreateInstance<RunWorker>(_services);

    /// <summary>A manual run's event for <paramref name="issueKey"/> as the manual-run route queues it, dated by the kit's clock.</summary>
    public JsonObject ManualEvent(string issueKey) => new()
    {
        ["eventType"] = "blubees:manual",
        ["timestamp"] = Clock.GetUtcNow().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["atlassianId"] = "user-1",
        ["issue"] = new JsonObject { ["key"] = issueKey },
    };

    /// <summary>Starts a worker and waits (at most 30 s) until the queue is empty, then stops it.</summary>
    public async Task RunQueueUntilEmptyAsync()
    {
        var worker = Worker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            NUnit.Framework.Assert.That(await Waits.UntilAsync(() => ScalarAsync("SELECT COUNT(*) FROM run_queue"), n => n == 0, TimeSpan.FromSeconds(30)), NUnit.Framework.Is.Zero);
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Creates the tenant, a bearer connection to <paramref name="target"/> and a rule (one http step, POST unless <paramref name="method"/> says otherwise); returns the rule id.</summary>
    public async Task<string> RuleAsync(TenantContext tenant, Uri target, JsonObject? trigger = null, string path = "/t/{{ issue.key }}", JsonObject? resilience = null, int? timeoutSeconds = null, string method = "POST")
    {
        await _services.GetRequiredService<TenantService>().EnsureAsync(tenant, CancellationToken.None);
        var json = Samples.Connection(target, "t0ken");
        if (resilience is not null)
        {
            json["resilience"] = resilience;
        }

        var input = JsonSerializer.Deserialize<ConnectionInput>(json.ToJsonString(), JsonDefaults.Options)!;
        var connection = await _services.GetRequiredService<ConnectionService>().CreateAsync(tenant.Id, input, CancellationToken.None);
        var rule = new JsonObject
        {
            ["name"] = "Queue test " + Guid.NewGuid().ToString("N")[..6],
            ["trigger"] = trigger ?? new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue"), ["projects"] = new JsonArray("OPS") },
            ["steps"] = new JsonArray(new JsonObject { ["id"] = "call", ["type"] = "http", ["connection"] = connection.Value!.Id, ["method"] = method, ["path"] = path }),
        };
        if (timeoutSeconds is { } timeout)
        {
            rule["steps"]![0]!["timeoutSeconds"] = timeout;
        }

        var definition = JsonSerializer.Deserialize<RuleDefinition>(rule.ToJsonString(), JsonDefaults.Options)!;
        var view = await _services.GetRequiredService<RuleService>().CreateAsync(tenant.Id, definition, "test", CancellationToken.None);
        return view.Value!.Id;
    }

    public static TenantContext NewTenant() => new(Samples.NewTenant(), "cloud-1", null);

    public static JiraEvent Event(string issueKey, string? timestamp = null)
        => JiraEvent.From(Samples.Event(issueKey, "Queue test " + issueKey, timestamp: timestamp), out _)!;

    /// <summary>Raw SQL on the database file (to inspect rows, or to install a failing trigger).</summary>
    public async Task<long> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<IReadOnlyList<RunRecord>> RunsOfAsync(string tenantId)
        => (await Runs.ListAsync(new TenantId(tenantId), new RunFilter(null, null, null, null, 100, null), CancellationToken.None)).Items;

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
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
