using System.Net;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Observability;

/// <summary>
/// The framework's own log lines, at the levels an operator may turn on to see requests (the harness leaves
/// <c>Microsoft.AspNetCore</c> at appsettings.json's Warning; here it is Trace): the hosting's request lines keep no
/// query string and no <c>Host</c> header, Kestrel's bad-request lines quote no refused request line or header line,
/// and an exception the framework logs (one that escapes to Kestrel) keeps its type but not its message. Before, a
/// caller's <c>?token=…</c>, its <c>Host</c>, a malformed <c>Authorization</c> line and the exception's text were
/// written as they came.
/// </summary>
[TestFixture]
public sealed class FrameworkLogRedactionTests : BackendFixture
{
    private const string CrashPath = "/crash-for-test";

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>(BackendHost.FrameworkTrace);

    /// <summary>A stand-in for a crash: outside the app's pipeline, so its exception reaches Kestrel, which logs it at Error.</summary>
    protected override Action<IServiceCollection>? Services => s => s.AddSingleton<IStartupFilter>(new CrashFilter());

    [Test]
    public async Task A_query_string_and_the_host_header_are_not_in_the_request_lines()
    {
        var tenant = Samples.NewTenant();
        var canary = Samples.Canary("query").ToLowerInvariant();
        using (var runs = await Backend.SendAsync(HttpMethod.Get, "/api/runs?token=" + canary, tenant))
        {
            Assert.That(runs.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        }

        using (var anonymous = await Backend.Client.GetAsync("/forge/events?api_key=" + canary))
        {
            Assert.That(anonymous.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        }

        await using (var raw = await RawHttp.ConnectAsync(Backend.Address))
        {
            await raw.SendAsync("GET /health HTTP/1.1\r\nHost: " + canary + "\r\n\r\n");
            Assert.That((await raw.ReadAsync())?.Status, Is.EqualTo(200));
        }

        var lines = await LinesAfterAsync("/health");
        Assert.That(lines.Count(l => l.Contains("Request starting", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(3), "the request lines are still written");
        AssertNowhere(canary, lines);
    }

    [Test]
    public async Task A_refused_request_line_or_header_line_is_not_quoted()
    {
        var canary = Samples.Canary("head");
        foreach (var head in new[]
        {
            "GET /health HTTP/1.1\r\nHost: x\r\nAuthorization Bearer " + canary + "\r\n\r\n",
            "GET /health HTTP/1.1\r\nHost: x\r\nx-forge-oauth-system " + canary + "\r\n\r\n",
            "GET /api/runs?token=" + canary + " HTTP/1.1 x\r\nHost: x\r\n\r\n",
        })
        {
            await using var raw = await RawHttp.ConnectAsync(Backend.Address);
            await raw.SendAsync(head);
            Assert.That((await raw.ReadAsync())?.Status, Is.EqualTo(400));
        }

        var lines = await LinesAfterAsync("bad request data");
        Assert.That(lines.Count(l => l.Contains("bad request data", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(3), "Kestrel still says why");
        AssertNowhere(canary, lines);
    }

    [Test]
    public async Task An_exception_the_framework_logs_keeps_its_type_not_its_message()
    {
        var canary = Samples.Canary("crash");
        using (var crashed = await Backend.Client.GetAsync(CrashPath + "?m=" + Uri.EscapeDataString(canary)))
        {
            Assert.That(crashed.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError));
        }

        var lines = await LinesAfterAsync(nameof(InvalidOperationException));
        var crash = lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal) && l.Contains(nameof(InvalidOperationException), StringComparison.Ordinal)).ToList();
        Assert.That(crash, Is.Not.Empty, "Kestrel logs the crash at Error, naming the exception's type");
        Assert.That(crash[0], Does.Contain(nameof(IOException)), "and its inner exception's type");
        AssertNowhere(canary, lines);
    }

    private async Task<IReadOnlyList<string>> LinesAfterAsync(string expected)
    {
        // The request lines are written as the answer completes; wait for the last one looked for.
        await Waits.UntilAsync(() => Task.FromResult(Backend.Logs.Lines), l => l.Any(x => x.Contains(expected, StringComparison.Ordinal)));
        await Task.Delay(200);
        return Backend.Logs.Lines;
    }

    private static void AssertNowhere(string canary, IReadOnlyList<string> lines)
    {
        var leaks = lines.Where(l => l.Contains(canary, StringComparison.OrdinalIgnoreCase) || l.Contains(Uri.EscapeDataString(canary), StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.That(leaks, Is.Empty, "log lines holding the canary");
    }

    private sealed class CrashFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, inner) =>
            {
                if (context.Request.Path == CrashPath)
                {
                    var data = context.Request.Query["m"].ToString();
                    throw new InvalidOperationException("a message quoting request data: " + data, new IOException("inner: " + data));
                }

                await inner(context);
            });
            next(app);
        };
    }
}
