using System.Net;
using System.Net.Sockets;
using BluBees.Api.Infrastructure;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace BluBees.Api.Tests.Configuration;

/// <summary>
/// The settings ASP.NET Core reads itself (log levels, listen addresses) are refused like ours: the start stops with a
/// message naming the key (<see cref="StartRefusal.MessageOf"/>, printed as one line, exit 2). Before, a log level such
/// as <c>Verbose</c> ended the process unhandled while the app was built (exit 134, a stack trace, no key named), an
/// address Kestrel cannot parse likewise after the worker had started, and <c>http_ports=abc</c> started listening on
/// port 80 of every interface.
/// </summary>
public sealed class HostSettingsRefusalTests
{
    [TestCase("Logging:LogLevel:Default", "Verbose", "Logging:LogLevel:Default (env Logging__LogLevel__Default) must be one of Trace, Debug, Information, Warning, Error, Critical, None: 'Verbose' is not.")]
    [TestCase("Logging:LogLevel:Microsoft.AspNetCore", "loud", "Logging:LogLevel:Microsoft.AspNetCore (env Logging__LogLevel__Microsoft.AspNetCore) must be one of")]
    [TestCase("Logging:Console:LogLevel:Default", "Info", "Logging:Console:LogLevel:Default (env Logging__Console__LogLevel__Default) must be one of")]
    [TestCase("Logging:LogLevel:Default", "9", "Logging:LogLevel:Default (env Logging__LogLevel__Default) must be one of")]
    [TestCase("urls", "notaurl", "urls (--urls, env ASPNETCORE_URLS) must list http:// or https:// addresses")]
    [TestCase("urls", "http://127.0.0.1:99999", "urls (--urls, env ASPNETCORE_URLS) must list http:// or https:// addresses (scheme, host and a port from 0 to 65535; no path), separated by ';': 'http://127.0.0.1:99999' is not one.")]
    [TestCase("urls", "http://127.0.0.1:0;ftp://127.0.0.1:0", "'ftp://127.0.0.1:0' is not one.")]
    [TestCase("urls", "http://127.0.0.1:0/base", "'http://127.0.0.1:0/base' is not one.")]
    [TestCase("http_ports", "abc", "http_ports (env ASPNETCORE_HTTP_PORTS) must list ports from 0 to 65535, separated by ';': 'abc' is not one.")]
    public async Task A_bad_host_setting_stops_the_start_naming_its_key(string key, string value, string message)
    {
        var refusal = await RefusalOfAsync(new Dictionary<string, string?> { [key] = value, ["urls"] = key == "urls" ? value : key == "http_ports" ? "" : "http://127.0.0.1:0" });

        Assert.That(refusal, Does.Contain(message));
    }

    [Test]
    public async Task Two_bad_host_settings_are_named_in_one_refusal()
    {
        var refusal = await RefusalOfAsync(new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Verbose", ["urls"] = "notaurl" });

        Assert.That(refusal, Does.Contain("Logging:LogLevel:Default").And.Contain("urls (--urls"));
    }

    [Test]
    public async Task Good_host_settings_start()
    {
        var started = await RefusalOfAsync(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "debug",
            ["Logging:LogLevel:Microsoft"] = "None",
            ["Logging:LogLevel:System"] = "",
            ["Logging:Console:LogLevel:Default"] = "Warning",
            ["urls"] = "http://127.0.0.1:0/;HTTP://127.0.0.1:0",
        });

        Assert.That(started, Is.EqualTo("(started)"));
    }

    [Test]
    public async Task An_address_already_in_use_stops_the_start_naming_it_and_the_setting()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var address = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";

        var refusal = await RefusalOfAsync(new Dictionary<string, string?> { ["urls"] = address });

        Assert.That(refusal, Does.Contain(address).And.Contain("address already in use").And.Contain("urls (--urls, env ASPNETCORE_URLS)"));
    }

    /// <summary>
    /// The start's refusal message (what Program.cs prints after "error: the backend did not start: "); "(started)" when
    /// the backend started (it is stopped again at once), "not a refusal: …" for an exception that ends the process unhandled.
    /// </summary>
    private static async Task<string> RefusalOfAsync(Dictionary<string, string?> settings)
    {
        settings.TryAdd("Forge:AppId", TestIssuer.AppId);
        settings["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "blubees-host-settings-" + Guid.NewGuid().ToString("N"));
        try
        {
            var app = BluBeesApp.Create([], builder =>
            {
                builder.Configuration.AddInMemoryCollection(settings);
                builder.Logging.ClearProviders();
            });
            await using (app)
            {
                await app.StartAsync();
                await app.StopAsync();
                return "(started)";
            }
        }
        catch (Exception ex)
        {
            return StartRefusal.MessageOf(ex) ?? $"not a refusal: {ex.GetType().Name}: {ex.Message}";
        }
        finally
        {
            // As the harness's own clean-up (BackendHost): pooled connections closed first, and a file a closing
            // connection writes while the directory is removed ("Directory not empty", seen once on a slow run) leaves a
            // temp directory behind rather than failing a test about start-up refusals.
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                if (Directory.Exists(settings["Storage:DataDirectory"]))
                {
                    Directory.Delete(settings["Storage:DataDirectory"]!, recursive: true);
                }
            }
            catch (IOException)
            {
            }
        }
    }
}
