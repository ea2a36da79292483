using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// The real backend as its own OS process (<c>dotnet BluBees.Api.dll</c>, Development: SQLite, key file, dev token
/// issuer) on a loopback port, with a given data directory, so that it can be killed (SIGKILL) or terminated
/// (SIGTERM) and started again on the same data.
/// </summary>
public sealed class BackendProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _client;

    private BackendProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
        _client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }
    public bool HasExited => _process.HasExited;

    /// <summary>A path as the backend process sees it (its own mount namespace, when started on a tmpfs).</summary>
    public string PathInside(string path) => $"/proc/{_process.Id}/root{Path.GetFullPath(path)}";

    /// <summary>
    /// Starts the backend on <paramref name="dataDirectory"/>; with <paramref name="tmpfsMegabytes"/>, in a mount
    /// namespace of its own (<c>unshare -m</c>, as root) where that directory is a tmpfs of that size, so the disk
    /// can be filled without touching the machine's: <see cref="PathInside"/> reaches it.
    /// </summary>
    public static async Task<BackendProcess> StartAsync(string dataDirectory, IDictionary<string, string>? settings = null, int? tmpfsMegabytes = null)
    {
        Directory.CreateDirectory(dataDirectory);
        var port = FreePort();
        var info = new ProcessStartInfo(tmpfsMegabytes is null ? "dotnet" : "unshare")
        {
            WorkingDirectory = dataDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (tmpfsMegabytes is { } megabytes)
        {
            // unshare execs sh, which execs dotnet: one process id throughout.
            foreach (var arg in new[] { "-m", "sh", "-c", $"mount -t tmpfs -o size={megabytes}m tmpfs \"$0\" && cd \"$0\" && exec dotnet \"$@\"", dataDirectory })
            {
                info.ArgumentList.Add(arg);
            }
        }

        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "BluBees.Api.dll"));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["DOTNET_ENVIRONMENT"] = "Development";
        info.Environment["Storage__DataDirectory"] = dataDirectory;
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        // The ingress gate's "Ingress closed" line tells TerminateAsync that SIGTERM has closed the ingress (the host's
        // own "Application is shutting down..." line can come before the gate has closed).
        info.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        info.Environment["Logging__LogLevel__BluBees.Engine.Runs.IngressGate"] = "Information";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info)!;
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                output.Enqueue(line);
            }

            if (e.Data?.Contains("Ingress closed", StringComparison.Ordinal) == true)
            {
                stopping.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var backend = new BackendProcess(process, new Uri($"http://127.0.0.1:{port}")) { _stopping = stopping, _output = output };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                using var health = await backend._client.GetAsync("/health");
                if (health.StatusCode == HttpStatusCode.OK)
                {
                    return backend;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        await backend.DisposeAsync();
        throw new InvalidOperationException("The backend process did not become healthy.");
    }

    /// <summary>A development Forge token for the tenant, from the backend's own dev issuer.</summary>
    public async Task<string> TokenAsync(string tenantId, string path = "/api")
    {
        // Tokens live 5 minutes: one per tenant and module is enough, and none is minted while the backend drains.
        var module = BluBees.Engine.DevTokens.ForgeModuleKeys.ForPath(path);
        if (_tokens.TryGetValue((tenantId, module), out var cached))
        {
            return cached;
        }

        using var response = await _client.PostAsJsonAsync("/dev/token", new { tenantId, accountId = BluBees.Engine.DevTokens.ForgeModuleKeys.IsBackendPath(path) ? null : "dev-admin", path });
        response.EnsureSuccessStatusCode();
        return _tokens[(tenantId, module)] = (await response.Content.ReadFromJsonAsync<JsonObject>())!["token"]!.GetValue<string>();
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Tenant, string Module), string> _tokens = new();

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string tenantId, JsonNode? body = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(tenantId, path));
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.Add(name, value);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await _client.SendAsync(request);
    }

    public async Task<JsonNode> JsonAsync(HttpMethod method, string path, string tenantId, JsonNode? body = null)
    {
        using var response = await SendAsync(method, path, tenantId, body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: {text}");
        }

        return JsonNode.Parse(text)!;
    }

    /// <summary>A request without a token (<c>/health</c>, <c>/ready</c>).</summary>
    public Task<HttpResponseMessage> GetAnonymousAsync(string path) => _client.GetAsync(path);

    /// <summary><c>kill -9</c>: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary><c>kill -TERM</c>: the host's graceful shutdown (drain) runs.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!;
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException("kill -TERM failed.");
        }

        // The signal is handled asynchronously: wait (bounded) until the backend says its ingress is closed, so that
        // the next request meets the closed ingress rather than racing the signal.
        await Task.WhenAny(_stopping.Task, Task.Delay(TimeSpan.FromSeconds(10)));
    }

    private TaskCompletionSource _stopping = new();
    private System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

    /// <summary>What the backend wrote to standard output so far (its console log: Warning and above by default).</summary>
    public string Output => string.Join('\n', _output);

    public Task WaitForExitAsync(CancellationToken ct) => _process.WaitForExitAsync(ct);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
