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
        BaseUrl = ParseBaseUrl(args.Option("url", Environment.GetEnvironmentVariable("BLUBEES_URL") ?? "http://127.0.0.1:5080"));
        _http = new HttpClient(handler ?? NoRedirects());
        _http.Timeout = TimeSpan.FromSeconds(30);
        _http.MaxResponseContentBufferSize = MaxResponseBytes;
    }

    /// <summary>
    /// The most the CLI reads of one answer (16 MiB; HttpClient's default is 2 GB): the backend's largest answers
    /// (a page of runs, a rule with its versions) are far smaller, and a server answering without end (a wrong
    /// --url, a proxy) must not fill the operator's memory.
    /// </summary>
    public const int MaxResponseBytes = 16 * 1024 * 1024;

    public string BaseUrl { get; }

    /// <summary>An absolute http(s) URL, or a clear usage error naming what was given.</summary>
    public static string ParseBaseUrl(string value)
    {
        // A value with a user name or password in it is never echoed: every later error names the base URL.
        var shown = value.Contains('@', StringComparison.Ordinal) ? "(a URL with '@' in it, not shown)" : $"'{value}'";
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
        {
            throw new CliException($"--url must be an absolute http:// or https:// URL such as http://127.0.0.1:5080, not {shown}.");
        }

        if (uri.UserInfo.Length > 0)
        {
            throw new CliException("--url must not carry a user name or password: the backend is reached with tokens, and the URL appears in messages.");
        }

        return uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
    }

    /// <summary>
    /// Where the development key lives: --data-dir, else <c>.data</c> in the working directory, else
    /// <c>src/BluBees.Api/.data</c> (where <c>dotnet run --project src/BluBees.Api</c> keeps it, run from the repository root).
    /// </summary>
    public static string? FindDataDirectory(string? explicitDirectory, string workingDirectory)
    {
        if (explicitDirectory is not null)
        {
            return explicitDirectory;
        }

        foreach (var candidate in new[] { Path.Combine(workingDirectory, ".data"), Path.Combine(workingDirectory, "src", "BluBees.Api", ".data") })
        {
            if (File.Exists(Path.Combine(candidate, DevTokenIssuer.KeyFileName)))
            {
                return candidate;
            }
        }

        return null;
    }

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

        var dataDir = FindDataDirectory(_args.Option("data-dir"), Directory.GetCurrentDirectory());
        var tenant = _args.Option("tenant", DevTenant);
        if (dataDir is not null && File.Exists(Path.Combine(dataDir, DevTokenIssuer.KeyFileName)))
        {
            using var issuer = DevTokenIssuer.LoadOrCreate(dataDir);
            return _tokens[module] = issuer.Mint(Request(tenant, path), DateTimeOffset.UtcNow);
        }

        // A buffered body (with Content-Length), so the tenant and account are never lost on the way.
        var backend = ForgeModuleKeys.IsBackendPath(path);
        var json = new JsonObject { ["tenantId"] = tenant, ["accountId"] = backend ? null : _args.Option("account", "dev-admin"), ["path"] = path }.ToJsonString();
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await SendRawAsync(new HttpRequestMessage(HttpMethod.Post, BaseUrl + "/dev/token") { Content = content });
        var where = dataDir is null ? "No development key in .data or src/BluBees.Api/.data (use --data-dir)" : $"No development key in '{Path.GetFullPath(dataDir)}'";
        if (!response.IsSuccessStatusCode)
        {
            throw new CliException($"{where}, and {BaseUrl}/dev/token answered {(int)response.StatusCode}. Is the backend running in development mode at this URL?");
        }

        var token = TryParse(await response.Content.ReadAsStringAsync())?["token"] as JsonValue;
        return _tokens[module] = token?.GetValueKind() == JsonValueKind.String
            ? token.GetValue<string>()
            : throw new CliException($"{BaseUrl}/dev/token did not answer like a BluBees backend (no token in its answer). Check --url.");
    }

    /// <summary>A development token request for the route: its module, and the user only on UI routes.</summary>
    public DevTokenRequest Request(string tenant, string path = "/api") => new(_args.Option("app-id", DevAppId), tenant, DevCloudId, "https://api.atlassian.com/ex/jira/" + DevCloudId)
    {
        AccountId = ForgeModuleKeys.IsBackendPath(path) ? null : _args.Option("account", "dev-admin"),
        ModuleKey = _args.Option("module") is { } name ? ForgeModuleKeys.ForName(name) ?? name : ForgeModuleKeys.ForPath(path),
    };

    public async Task<(int Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, JsonNode? body = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, BaseUrl + path);
        request.Headers.Authorization = new("Bearer", await TokenAsync(path));
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await SendRawAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (text.Length == 0)
        {
            return ((int)response.StatusCode, null);
        }

        // Anything that is not a JSON object did not come from a BluBees backend (a proxy, another server on that port).
        return TryParse(text) is { } parsed
            ? ((int)response.StatusCode, parsed)
            : throw new CliException($"{BaseUrl} answered HTTP {(int)response.StatusCode} with {response.Content.Headers.ContentType?.MediaType ?? "no content type"}, not JSON as a BluBees backend answers (one object, each property named once, readable text): is it a BluBees backend? Check --url.");
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request)
    {
        using (request)
        {
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request);
            }
            catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ConfigurationLimitExceeded)
            {
                throw TooLarge(BaseUrl, request);
            }
            catch (HttpRequestException ex)
            {
                throw new CliException($"Cannot reach the backend at {BaseUrl}: {ex.Message}. Start it with: dotnet run --project src/BluBees.Api (or point --url at it).");
            }

            RefuseRedirect(response, BaseUrl);
            return response;
        }
    }

    /// <summary>
    /// The CLI's HTTP handler: redirects are never followed. HttpClient's default would re-send a 307/308's body (a
    /// connection's secret, a development token request) and every header but Authorization (x-forge-oauth-system)
    /// to whatever origin the Location names; the backend never redirects, so a 3xx is answered as an error.
    /// </summary>
    internal static SocketsHttpHandler NoRedirects() => new() { AllowAutoRedirect = false, UseCookies = false };

    /// <summary>An answer over <see cref="MaxResponseBytes"/>: an error naming the request's path only (never its query, a header or the answer).</summary>
    internal static CliException TooLarge(string baseUrl, HttpRequestMessage request)
        => new($"{baseUrl} answered {request.RequestUri?.AbsolutePath} with more than {MaxResponseBytes / (1024 * 1024)} MiB, more than any BluBees backend answer; nothing more was read. Check --url.");

    /// <summary>A 3xx is not the backend's answer: a usage error naming the status, the Location not followed (nor shown).</summary>
    internal static void RefuseRedirect(HttpResponseMessage response, string baseUrl)
    {
        var status = (int)response.StatusCode;
        if (status is >= 300 and < 400)
        {
            response.Dispose();
            throw new CliException($"{baseUrl} answered HTTP {status}, a redirect, which the CLI does not follow (nothing was sent on): point --url at the backend itself.");
        }
    }

    private static JsonObject? TryParse(string text) => BackendAnswer.Parse(text);

    public void Dispose() => _http.Dispose();
}
