using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Data.Sqlite;

namespace BluBees.Api.Tests.Harness;

/// <summary>
/// The real backend on Kestrel over loopback, in production mode (no development issuer), trusting a
/// <see cref="TestIssuer"/> whose JWKS it fetches over HTTP, storing into a fresh SQLite directory, and asking a
/// loopback <see cref="FakeJira"/> (its own per backend) whether callers are Jira administrators.
/// </summary>
public sealed partial class BackendHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BackendHost(WebApplication app, Uri address, string dataDirectory, CapturedLogs logs, TestIssuer issuer, FakeJira jira)
    {
        _app = app;
        Jira = jira;
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

    /// <summary>The fake Jira this backend asks about administrators (<c>Jira:ApiBaseUrlOverride</c>).</summary>
    public FakeJira Jira { get; }

    /// <summary>
    /// Settings that open the framework's own categories down to Trace: appsettings.json keeps <c>Microsoft.AspNetCore</c>
    /// (Kestrel, hosting, routing) and <c>System.Net.Http.HttpClient</c> at Warning, and its names are more specific than
    /// the <c>Microsoft</c> this harness sets, so without these a "Trace-level" scan never sees the framework's lines.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> FrameworkTrace { get; } = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore.Server.Kestrel"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Trace",
        ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Trace",
    };

    public static async Task<BackendHost> StartAsync(TestIssuer issuer, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "blubees-tests", Guid.NewGuid().ToString("N"));
        var logs = new CapturedLogs();
        var jira = await FakeJira.StartAsync();
        var config = new Dictionary<string, string?>
        {
            ["Jira:ApiBaseUrlOverride"] = jira.Address.ToString(),
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
        }, services);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            // A backend that refused to start (e.g. a second one on a data directory in use) leaves nothing running.
            await app.DisposeAsync();
            await jira.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BackendHost(app, new Uri(address), dataDirectory, logs, issuer, jira);
    }

    /// <summary>
    /// Sends a request as the tenant and user, as Forge would for that route: a freshly minted valid token for the
    /// route's own manifest module (minted at the backend's own <see cref="TimeProvider"/> time, so a fake clock works),
    /// naming the user only on UI routes (<c>/api</c>), and, unless told otherwise, a user token. Hostile variants
    /// (another module, a user on a backend route) go through <see cref="SendWithTokenAsync"/>.
    /// </summary>
    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string tenantId, object? body = null, string? accountId = "557058:admin", bool withUserToken = true, string? systemToken = null)
        => SendWithTokenAsync(method, path, Issuer.Mint(TestIssuer.ForRoute(path, tenantId, accountId), now: Services.GetRequiredService<TimeProvider>().GetUtcNow()), body, withUserToken, systemToken: systemToken);

    /// <summary>
    /// Sends a request with the given Forge token and, unless told otherwise, an opaque user token in
    /// <c>x-forge-oauth-user</c> (<paramref name="userToken"/>, or one that <see cref="Jira"/> issues for the token's principal),
    /// and <paramref name="systemToken"/>, if given, in <c>x-forge-oauth-system</c> (the UI modules' resolver endpoint enables it).
    /// </summary>
    public async Task<HttpResponseMessage> SendWithTokenAsync(HttpMethod method, string path, string? token, object? body = null, bool withUserToken = true, string? userToken = null, string? systemToken = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (systemToken is not null)
        {
            request.Headers.Add("x-forge-oauth-system", systemToken);
        }

        if (withUserToken)
        {
            request.Headers.Add(FakeJira.UserTokenHeader, userToken ?? Jira.UserTokenFor(FakeJira.PrincipalOf(token)));
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

    /// <summary>
    /// Every byte of every file in the data directory (database, WAL, key ring...), as text. Not the worker's empty
    /// lock file (<c>blubees.db.lock</c>): the running backend holds it exclusively.
    /// </summary>
    public string DumpDataDirectory()
        => string.Join('\n', Directory.EnumerateFiles(DataDirectory, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)).Select(f =>
        {
            using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.Latin1);
            return f + "\n" + reader.ReadToEnd();
        }));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await DisposeStoppedAsync();
    }

    /// <summary>Disposes the app once it has stopped, then what the backend used beside it.</summary>
    private async ValueTask DisposeStoppedAsync()
    {
        await _app.DisposeAsync();
        await Jira.DisposeAsync();
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

/// <summary>One Jira action (comment, edit, transition, fetch) the fake Jira received, as it arrived.</summary>
public sealed record JiraActionCall(string Method, string Path, string? Authorization, string? Trace, string Body);

/// <summary>One call Jira received: what was asked, and whether it came with a user token Jira had issued.</summary>
public sealed record JiraCall(string Path, string Query, string? AccountId, bool CarriedUserToken);

/// <summary>
/// A loopback Jira answering <c>GET /rest/api/3/mypermissions</c> for the user behind a bearer user token it issued
/// (<see cref="IssueUserToken"/>), in Jira's documented shape
/// (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-permissions/#api-rest-api-3-mypermissions-get):
/// <c>{"permissions": {"KEY": {"id", "key", "name", "type", "description", "havePermission"}}}</c> for the requested keys.
/// ADMINISTER is granted to <see cref="Admins"/> (default <c>557058:admin</c>); issue permissions (with
/// <c>issueKey</c> or <c>issueId</c>) follow <see cref="IssueGrant"/>, and issues in <see cref="MissingIssues"/> answer 404 as Jira does.
/// Unknown tokens get 401, as from Jira. Counts calls; <see cref="Respond"/> can force another answer.
/// </summary>
public sealed partial class FakeJira : IAsyncDisposable
{
    public const string UserTokenHeader = "x-forge-oauth-user";
    private readonly ConcurrentDictionary<string, string?> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<JiraCall> _calls = new();
    private readonly ConcurrentDictionary<string, string> _current = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<JiraActionCall> _actions = new();
    private readonly ConcurrentQueue<string> _headers = new();
    private LoopbackServer? _server;

    /// <summary>Every request header received, as "name: value" (to show what the backend passes on to Jira).</summary>
    public IReadOnlyList<string> ReceivedHeaders => [.. _headers];

    public Uri Address => _server!.Address;

    /// <summary>Account ids Jira considers administrators.</summary>
    public ConcurrentDictionary<string, bool> Admins { get; } = new(StringComparer.Ordinal) { ["557058:admin"] = true };

    public IReadOnlyList<JiraCall> Calls => [.. _calls];

    /// <summary>
    /// Whether the account holds the project permission on the issue. By default administrators and
    /// <c>557058:user</c> may browse and edit every issue; anyone else nothing.
    /// </summary>
    public Func<string, string, string, bool> IssueGrant { get; set; } = DefaultIssueGrant;

    /// <summary>Issue keys (or ids) Jira does not know (404).</summary>
    public ConcurrentDictionary<string, bool> MissingIssues { get; } = new(StringComparer.Ordinal);

    public static bool DefaultIssueGrant(string accountId, string issueKey, string permission)
        => accountId is "557058:admin" or "557058:user";

    /// <summary>Issue actions received under <c>/rest/api/3/issue/</c> (answered like Jira when they carry <see cref="SystemToken"/>).</summary>
    public IReadOnlyList<JiraActionCall> Actions => [.. _actions];

    /// <summary>The Forge system token Jira accepts for issue actions.</summary>
    public string? SystemToken { get; set; }

    /// <summary>
    /// Attachments by id: <c>GET /rest/api/3/attachment/content/{id}</c> with the system token answers 303 to the given
    /// (media) URL, as Jira Cloud does. The request is recorded in <see cref="Actions"/>.
    /// </summary>
    public ConcurrentDictionary<string, Uri> Attachments { get; } = new(StringComparer.Ordinal);

    /// <summary>An answer for an accepted issue action or search (null: the default answer), e.g. a search's results in Jira's shape.</summary>
    public Func<JiraActionCall, (int Status, string Body)?>? RespondAction { get; set; }

    /// <summary>Called (after answering) for each accepted issue write, as Jira would then fire an event.</summary>
    public Func<JiraActionCall, Task>? OnWrite { get; set; }

    public int CallCount => _calls.Count;

    /// <summary>How long each answer takes (to exercise the backend's timeout).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>When set and returning a status, answers with it (and the body) instead of the permission.</summary>
    public Func<JiraCall, (int Status, string Body)?>? Respond { get; set; }

    /// <summary>Every user token issued so far (for canary checks: none may appear in logs or storage).</summary>
    public IReadOnlyCollection<string> IssuedTokens => [.. _tokens.Keys];

    public static async Task<FakeJira> StartAsync()
    {
        var jira = new FakeJira();
        jira._server = await LoopbackServer.StartAsync(jira.HandleAsync);
        return jira;
    }

    /// <summary>
    /// The account's current user token: the same one on every call until <see cref="IssueUserToken"/> replaces it (Forge
    /// sends a user token that stays valid across invocations; the backend caches Jira's answers per token hash).
    /// </summary>
    public string UserTokenFor(string? accountId) => _current.GetOrAdd(accountId ?? string.Empty, _ => IssueUserToken(accountId));

    /// <summary>A fresh opaque user token for the account (as Forge would send in x-forge-oauth-user).</summary>
    public string IssueUserToken(string? accountId)
    {
        var token = "utok-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        _tokens[token] = accountId;
        return token;
    }

    /// <summary>The <c>principal</c> claim of a Forge token, read without verification; null when there is none.</summary>
    public static string? PrincipalOf(string? token)
    {
        var parts = token?.Split('.');
        if (parts is not { Length: 3 } || !Base64Url.IsValid(parts[1]))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))?["principal"] is JsonValue p && p.TryGetValue<string>(out var id) ? id : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        foreach (var header in context.Request.Headers)
        {
            _headers.Enqueue(header.Key + ": " + header.Value);
        }

        if (await TryJqlParseAsync(context))
        {
            return;
        }

        if (await TryUserReadAsync(context))
        {
            return;
        }

        if (await TryMyselfAsync(context))
        {
            return;
        }

        if (context.Request.Path.StartsWithSegments("/rest/api/3/attachment/content", out var id))
        {
            HandleAttachment(context, id.Value?.TrimStart('/') ?? string.Empty);
            return;
        }

        // A search goes to the scripted action hook when a test set one (ControlFlowTests), else to the paging search fake.
        if (context.Request.Path.StartsWithSegments("/rest/api/3/issue") || RespondAction is not null && context.Request.Path.StartsWithSegments(SearchPath))
        {
            await HandleActionAsync(context);
            return;
        }

        if (context.Request.Path == SearchPath)
        {
            await HandleSearchAsync(context);
            return;
        }

        var authorization = context.Request.Headers.Authorization.ToString();
        var token = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..] : null;
        var known = token is not null && _tokens.ContainsKey(token);
        var call = new JiraCall(context.Request.Path.Value ?? string.Empty, context.Request.QueryString.Value ?? string.Empty, known ? _tokens[token!] : null, known);
        _calls.Enqueue(call);
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, context.RequestAborted);
        }

        var (status, body) = Respond?.Invoke(call) ?? Answer(call);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await WriteOrStallAsync(context, body);
    }

    /// <summary>
    /// When set, permission answers and reads as a user send their status, headers and the first bytes of the body,
    /// then nothing more until the caller gives up (a Jira whose body stalls).
    /// </summary>
    public bool StallBodies { get; set; }

    /// <summary>
    /// When set, permission answers and reads as a user send their headers and the first bytes of the body, then the
    /// rest once the test completes this (or the caller gives up).
    /// </summary>
    public TaskCompletionSource? HoldBodies { get; set; }

    private async Task WriteOrStallAsync(HttpContext context, string body)
    {
        if (HoldBodies is { } hold && !StallBodies)
        {
            await context.Response.WriteAsync(body[..Math.Min(body.Length, 10)]);
            await context.Response.Body.FlushAsync();
            try
            {
                await hold.Task.WaitAsync(context.RequestAborted);
                await context.Response.WriteAsync(body[Math.Min(body.Length, 10)..], context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The backend gave up on the answer.
            }

            return;
        }

        if (!StallBodies)
        {
            await context.Response.WriteAsync(body);
            return;
        }

        await context.Response.WriteAsync(body[..Math.Min(body.Length, 10)]);
        await context.Response.Body.FlushAsync();
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // The backend gave up on the answer.
        }
    }

    private void HandleAttachment(HttpContext context, string id)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        _actions.Enqueue(new JiraActionCall(
            context.Request.Method, context.Request.Path.Value ?? string.Empty, authorization.Length == 0 ? null : authorization,
            context.Request.Headers["X-Atlassian-Webhook-Trace"].ToString() is { Length: > 0 } trace ? trace : null, string.Empty));
        var known = Attachments.TryGetValue(id, out var media);
        context.Response.StatusCode = SystemToken is null || authorization != "Bearer " + SystemToken ? 401 : known ? 303 : 404;
        if (context.Response.StatusCode == 303)
        {
            context.Response.Headers.Location = media!.ToString();
        }
    }

    private async Task HandleActionAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var authorization = context.Request.Headers.Authorization.ToString();
        var action = new JiraActionCall(
            context.Request.Method, context.Request.Path.Value ?? string.Empty, authorization.Length == 0 ? null : authorization,
            context.Request.Headers["X-Atlassian-Webhook-Trace"].ToString() is { Length: > 0 } trace ? trace : null, body);
        _actions.Enqueue(action);
        var accepted = SystemToken is not null && authorization == "Bearer " + SystemToken;
        var (status, answer) = !accepted ? (401, """{"errorMessages":["Unauthorized"]}""")
            : RespondAction?.Invoke(action) is { } custom ? custom
            : SystemIssueAnswer(action) is { } issue ? issue
            : context.Request.Method == "GET" ? (200, """{"id":"10017","key":"OPS-17","fields":{"summary":"Fetched"}}""")
            : context.Request.Method == "POST" && action.Path.EndsWith("/comment", StringComparison.Ordinal) ? (201, """{"id":"100200"}""")
            : (204, string.Empty);
        context.Response.StatusCode = status;
        if (answer.Length > 0)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer);
        }

        if (accepted && context.Request.Method != "GET" && OnWrite is { } onWrite)
        {
            _ = Task.Run(() => onWrite(action));
        }
    }

    private (int Status, string Body) Answer(JiraCall call)
    {
        if (!call.CarriedUserToken)
        {
            return (401, """{"errorMessages":["Unauthorized"]}""");
        }

        if (call.Path != "/rest/api/3/mypermissions")
        {
            return (404, """{"errorMessages":["Not found"]}""");
        }

        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(call.Query);
        // The issue by key or by id ("Get my permissions" takes either); IssueGrant and MissingIssues see whichever was sent.
        var issueKey = query.TryGetValue("issueKey", out var k) ? k.ToString() : query.TryGetValue("issueId", out var i) ? i.ToString() : null;
        var keys = query.TryGetValue("permissions", out var p) ? p.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries) : [];
        if (keys.Length == 0)
        {
            return (400, """{"errorMessages":["The permissions query parameter is required."]}""");
        }

        if (issueKey is not null && MissingIssues.ContainsKey(issueKey))
        {
            return (404, """{"errorMessages":["Issue does not exist or you do not have permission to see it."]}""");
        }

        var permissions = new JsonObject();
        foreach (var key in keys)
        {
            var have = call.AccountId is not null && (issueKey is null
                ? key == "ADMINISTER" && Admins.ContainsKey(call.AccountId)
                : key != "ADMINISTER" && (Admins.ContainsKey(call.AccountId) || IssueGrant(call.AccountId, issueKey, key)));
            permissions[key] = new JsonObject
            {
                ["id"] = key == "ADMINISTER" ? "0" : "10",
                ["key"] = key,
                ["name"] = key,
                ["type"] = key == "ADMINISTER" ? "GLOBAL" : "PROJECT",
                ["description"] = "Permission " + key,
                ["havePermission"] = have,
            };
        }

        return (200, new JsonObject { ["permissions"] = permissions }.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
