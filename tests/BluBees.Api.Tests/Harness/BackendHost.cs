using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Engine.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Data.Sqlite;

namespace BluBees.Api.Tests.Harness;

/// <summary>
/// The real backend on Kestrel over loopback, in production mode (no development issuer), trusting a
/// <see cref="TestIssuer"/> whose JWKS it fetches over HTTP, storing into a fresh SQLite directory.
/// </summary>
public sealed class BackendHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BackendHost(WebApplication app, Uri address, string dataDirectory, CapturedLogs logs, TestIssuer issuer)
    {
        _app = app;
        Address = address;
        DataDirectory = dataDirectory;
        Logs = logs;
        Issuer = issuer;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }
    public string DataDirectory { get; }
    public CapturedLogs Logs { get; }
    public TestIssuer Issuer { get; }
    public HttpClient Client { get; }
    public IServiceProvider Services => _app.Services;

    public static async Task<BackendHost> StartAsync(TestIssuer issuer, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "blubees-tests", Guid.NewGuid().ToString("N"));
        var logs = new CapturedLogs();
        var config = new Dictionary<string, string?>
        {
            ["Forge:AppId"] = TestIssuer.AppId,
            ["Forge:JwksUrl"] = issuer.JwksUrl.ToString(),
            ["Forge:JwksRefreshCooldownSeconds"] = "60",
            ["Storage:DataDirectory"] = dataDirectory,
            ["Egress:AllowHttp"] = "true",
            ["Egress:AllowPrivateNetworks"] = "true",
            ["Egress:AllowAnyPort"] = "true",
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft"] = "Trace",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        var app = BluBeesApp.Create([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(config);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddProvider(logs);
            services?.Invoke(builder.Services);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BackendHost(app, new Uri(address), dataDirectory, logs, issuer);
    }

    /// <summary>Sends a request as the tenant, with a freshly minted valid token.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string tenantId, object? body = null, string? accountId = "557058:admin")
        => SendWithTokenAsync(method, path, Issuer.Mint(tenantId, accountId), body);

    public async Task<HttpResponseMessage> SendWithTokenAsync(HttpMethod method, string path, string? token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = body is string raw
                ? new StringContent(raw, Encoding.UTF8, "application/json")
                : JsonContent.Create(body, body.GetType());
        }

        return await Client.SendAsync(request);
    }

    public async Task<JsonNode> JsonAsync(HttpMethod method, string path, string tenantId, object? body = null, int expectedStatus = 200)
    {
        using var response = await SendAsync(method, path, tenantId, body);
        var text = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != expectedStatus)
        {
            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}, expected {expectedStatus}: {text}");
        }

        return JsonNode.Parse(text)!;
    }

    /// <summary>Every stored item, as raw text of all columns, read straight from the SQLite file.</summary>
    public async Task<IReadOnlyList<string>> DumpStoreAsync()
    {
        var path = Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<StorageOptions>>().Value.SqlitePath;
        var rows = new List<string>();
        await using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT pk, sk, data, expires_at, revision FROM items";
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add($"{reader.GetString(0)} {reader.GetString(1)} {reader.GetString(2)} {(reader.IsDBNull(3) ? "" : reader.GetInt64(3))}");
        }

        return rows;
    }

    /// <summary>Every byte of every file in the data directory (database, WAL, key ring...), as text.</summary>
    public string DumpDataDirectory()
        => string.Join('\n', Directory.EnumerateFiles(DataDirectory, "*", SearchOption.AllDirectories).Select(f =>
        {
            using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.Latin1);
            return f + "\n" + reader.ReadToEnd();
        }));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
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
