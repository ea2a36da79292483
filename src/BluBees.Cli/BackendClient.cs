using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.DevTokens;

namespace BluBees.Cli;

/// <summary>Talks to a running backend with a development Forge Invocation Token.</summary>
internal sealed class BackendClient : IDisposable
{
    public const string DevAppId = "ari:cloud:ecosystem::app/00000000-0000-4000-8000-00000000b1be";
    public const string DevTenant = "ari:cloud:ecosystem::installation/00000000-0000-4000-8000-0000000dev01";
    public const string DevCloudId = "00000000-0000-4000-8000-00000000c10d";
    private readonly HttpClient _http;
    private readonly CliArgs _args;
    private readonly Dictionary<string, string> _tokens = new(StringComparer.Ordinal);

    public BackendClient(CliArgs args, HttpMessageHandler? handler = null)
    {
        _args = args;
        BaseUrl = args.Option("url", Environment.GetEnvironmentVariable("BLUBEES_URL") ?? "http://127.0.0.1:5080").TrimEnd('/');
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.Timeout = TimeSpan.FromSeconds(30);
    }

    public string BaseUrl { get; }

    /// <summary>
    /// Mints a token for the route <paramref name="path"/> with the development issuer key in the data directory (like
    /// Forge would sign one): the route's own manifest module, and a user only for UI routes (<c>/api/*</c>); Forge's
    /// backend modules (events, lifecycle, schedules) run without one. When there is no key file, asks the backend's
    /// development endpoint instead.
    /// </summary>
    public async Task<string> TokenAsync(string path = "/api")
    {
        var module = ForgeModuleKeys.ForPath(path);
        if (_tokens.TryGetValue(module, out var cached))
        {
            return cached;
        }

        var dataDir = _args.Option("data-dir", ".data");
        var tenant = _args.Option("tenant", DevTenant);
        if (File.Exists(Path.Combine(dataDir, DevTokenIssuer.KeyFileName)))
        {
            using var issuer = DevTokenIssuer.LoadOrCreate(dataDir);
            return _tokens[module] = issuer.Mint(Request(tenant, path), DateTimeOffset.UtcNow);
        }

        var backend = ForgeModuleKeys.IsBackendPath(path);
        using var response = await _http.PostAsJsonAsync(BaseUrl + "/dev/token", new { tenantId = tenant, accountId = backend ? null : _args.Option("account", "dev-admin"), path });
        if (!response.IsSuccessStatusCode)
        {
            throw new CliException($"No development key in '{Path.GetFullPath(dataDir)}' and {BaseUrl}/dev/token answered {(int)response.StatusCode}. Is the backend running in development mode?");
        }

        return _tokens[module] = (await response.Content.ReadFromJsonAsync<JsonObject>())!["token"]!.GetValue<string>();
    }

    /// <summary>A development token request for the route: its module, and the user only on UI routes.</summary>
    public DevTokenRequest Request(string tenant, string path = "/api") => new(_args.Option("app-id", DevAppId), tenant, DevCloudId, "https://api.atlassian.com/ex/jira/" + DevCloudId)
    {
        AccountId = ForgeModuleKeys.IsBackendPath(path) ? null : _args.Option("account", "dev-admin"),
        ModuleKey = _args.Option("module") is { } name ? ForgeModuleKeys.ForName(name) ?? name : ForgeModuleKeys.ForPath(path),
    };

    public async Task<(int Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, BaseUrl + path);
        request.Headers.Authorization = new("Bearer", await TokenAsync(path));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException($"Cannot reach the backend at {BaseUrl}: {ex.Message}. Start it with: dotnet run --project src/BluBees.Api");
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            JsonNode? parsed = null;
            if (text.Length > 0)
            {
                try
                {
                    parsed = JsonNode.Parse(text);
                }
                catch (JsonException)
                {
                    parsed = JsonValue.Create(text);
                }
            }

            return ((int)response.StatusCode, parsed);
        }
    }

    public void Dispose() => _http.Dispose();
}
