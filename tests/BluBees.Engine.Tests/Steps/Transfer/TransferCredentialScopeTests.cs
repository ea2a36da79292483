using BluBees.Engine.Connections;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using BluBees.Engine.Tests.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps.Transfer;

/// <summary>
/// Each side of a transfer sends its connection's credential only to that connection's base URL, path included: a
/// side's url on the same host outside the base path was sent with the credential, and a same-origin redirect of the
/// download out of the base path kept it.
/// </summary>
public sealed class TransferCredentialScopeTests
{
    private const string Secret = "transfer-scope-secret-77";

    [TestCase("source")]
    [TestCase("destination")]
    public async Task A_side_whose_url_leaves_its_connections_base_path_sends_nothing(string side)
    {
        await using var server = LoopbackServer.Ok("payload");
        using var kit = new TransferKit();
        var connection = await CreateAsync(kit, server.Url("/files/teamA"));
        var inside = $$"""{ "connection": "{{connection.Id}}", "path": "/report" }""";
        var outside = $$"""{ "connection": "{{connection.Id}}", "url": "{{server.Url("/files/teamB/report")}}" }""";
        var step = TransferKit.Compile($$"""
            { "id": "copy", "type": "transfer",
              "source": {{(side == "source" ? outside : inside)}},
              "destination": {{(side == "destination" ? outside : inside)}} }
            """);

        var outcome = await kit.RunAsync(step);

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.CredentialScope));
        Assert.That(outcome.Record.Metrics!.FailedSide, Is.EqualTo(side));
        Assert.That(await server.SettledConnectionsAsync(), Is.Zero, "neither side is sent when one is out of scope");
    }

    [Test]
    public async Task A_download_redirected_out_of_the_base_path_is_fetched_without_the_credential()
    {
        await using var source = LoopbackServer.Start((request, stream, ct) => request.Target == "/files/teamA/report"
            ? LoopbackServer.RedirectAsync(stream, 302, "/public/report", ct)
            : LoopbackServer.RespondAsync(stream, 200, "payload", ct));
        await using var sink = LoopbackServer.Ok("{}");
        using var kit = new TransferKit();
        var connection = await CreateAsync(kit, source.Url("/files/teamA"));
        var step = TransferKit.Compile($$"""
            { "id": "copy", "type": "transfer",
              "source": { "connection": "{{connection.Id}}", "path": "/report" },
              "destination": { "url": "{{sink.Url("/upload")}}" } }
            """);

        var outcome = await kit.RunAsync(step);

        Assert.That(outcome.Record.ErrorCategory, Is.Null);
        Assert.That(source.Requests.Select(r => (r.Target, r.Header("Authorization"))), Is.EqualTo(new (string, string?)[]
        {
            ("/files/teamA/report", "Bearer " + Secret), ("/public/report", null),
        }));
    }

    /// <summary>
    /// A Jira attachment source: the Forge system token goes only to the site's base URL, so a redirect to another path
    /// of the same host (another site's, say) is followed without it. It kept the token (scoped by origin only).
    /// </summary>
    [Test]
    public async Task A_jira_attachment_redirected_out_of_the_site_is_fetched_without_the_system_token()
    {
        var seen = new System.Collections.Concurrent.ConcurrentQueue<RequestHead>();
        await using var jira = new StreamingLoopback(async (head, _, stream, ct) =>
        {
            seen.Enqueue(head);
            var moved = head.Target.StartsWith("/jira/", StringComparison.Ordinal);
            var body = moved ? [] : "payload"u8.ToArray();
            await StreamingLoopback.WriteHeadAsync(stream, moved ? 303 : 200, body.Length, ct, moved ? [("Location", "/other-site/file/1")] : []);
            await stream.WriteAsync(body, ct);
            await stream.FlushAsync(ct);
        });
        await using var sink = LoopbackServer.Ok("{}");
        using var kit = new TransferKit(jira: new BluBees.Engine.Steps.Jira.JiraActionOptions { ApiBaseUrlOverride = jira.Url("/jira").ToString() });
        var step = TransferKit.Compile($$"""
            { "id": "copy", "type": "transfer",
              "source": { "jiraAttachment": "10001" },
              "destination": { "url": "{{sink.Url("/upload")}}" } }
            """);

        var outcome = await kit.RunAsync(step, new StepRun(new BluBees.Engine.Tenancy.TenantContext(TransferKit.Tenant.Value, "cloud-1", null), "sys-token-scope", BluBees.Engine.Tests.Support.StepKit.Scope()));

        Assert.That(outcome.Record.ErrorCategory, Is.Null);
        Assert.That(seen.Select(r => (r.Target, r.Header("Authorization"))), Is.EqualTo(new (string, string?)[]
        {
            ("/jira/rest/api/3/attachment/content/10001", "Bearer sys-token-scope"), ("/other-site/file/1", null),
        }));
    }

    private static async Task<Connection> CreateAsync(TransferKit kit, Uri baseUrl)
    {
        var outcome = await kit.Connections.CreateAsync(
            TransferKit.Tenant,
            new ConnectionInput { Name = "files " + baseUrl.Port, BaseUrl = baseUrl.ToString(), Auth = new ConnectionAuth { Type = AuthTypes.Bearer }, Secret = Secret },
            CancellationToken.None);
        Assert.That(outcome.Value, Is.Not.Null, () => outcome.Errors?.ToString() ?? outcome.Detail ?? "");
        return outcome.Value!;
    }
}
