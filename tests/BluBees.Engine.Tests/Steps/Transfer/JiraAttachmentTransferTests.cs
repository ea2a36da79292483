using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Json;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Steps.Transfer;

/// <summary>
/// A transfer whose source is a Jira attachment: a loopback Jira answers 303 to a loopback media host on another
/// origin, which streams the bytes; the sink hashes what arrives. The system token reaches Jira and nothing else.
/// </summary>
public sealed class JiraAttachmentTransferTests
{
    private const long Mb = 1024 * 1024;
    private const string Token = "sys-token-attach";
    private static readonly TenantContext Site = new(TransferKit.Tenant.Value, "cloud-1", "https://api.atlassian.com/ex/jira/cloud-1");

    private static string Step(Uri sink, string attachment = "{{ issue.fields.attachment[0].id }}") => $$"""
        { "id": "archive", "type": "transfer",
          "source": { "jiraAttachment": "{{attachment}}" },
          "destination": { "url": "{{sink}}", "method": "PUT" } }
        """;

    private static JsonObject Scope(string? id = "10001") => SampleEvents.Scope(SampleEvents.With(
        "attachment", id is null ? new JsonArray() : new JsonArray(new JsonObject { ["id"] = id, ["filename"] = "report.pdf" })));

    private static StepRun Run(string? token = Token, JsonObject? scope = null, TenantContext? tenant = null)
        => new(tenant ?? Site, token, scope ?? Scope()) { Trace = "blubees.rule_1.abc" };

    private static TransferKit Kit(FakeJiraAttachments jira) => new(jira: new JiraActionOptions { ApiBaseUrlOverride = jira.BaseUrl.ToString() });

    [Test]
    public async Task AnAttachmentStreamsThroughJirasRedirectByteExactAndTheMediaHostNeverSeesTheToken()
    {
        const long size = 12 * Mb + 321;
        await using var media = new GeneratedSource(size, "application/pdf");
        await using var jira = new FakeJiraAttachments(Token, new Dictionary<string, Uri> { ["10001"] = media.Url("/file/abc?token=media-signed") });
        await using var sink = new HashingSink();
        using var kit = Kit(jira);

        var outcome = await kit.RunAsync(TransferKit.Compile(Step(sink.Url())), Run());

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        Assert.That(sink.Hash, Is.Not.Null.And.EqualTo(await media.WrittenHashAsync()), "the sink's SHA-256 equals the media host's");
        var asked = jira.Requests.Single();
        Assert.That(asked.Method, Is.EqualTo("GET"));
        Assert.That(asked.Target, Is.EqualTo("/jira/rest/api/3/attachment/content/10001"));
        Assert.That(asked.Header("Authorization"), Is.EqualTo("Bearer " + Token));
        Assert.That(asked.Header("X-Atlassian-Webhook-Trace"), Is.EqualTo("blubees.rule_1.abc"));
        var fetched = media.Requests.Single();
        Assert.That(fetched.Target, Is.EqualTo("/file/abc?token=media-signed"), "the redirect was followed as given");
        Assert.That(fetched.Header("Authorization"), Is.Null, "the token is dropped when the redirect leaves Jira's origin");
        Assert.That(fetched.Headers.Values, Has.None.Contains(Token));
        var uploaded = sink.Requests.Single();
        Assert.That(uploaded.Header("Content-Type"), Is.EqualTo("application/pdf"));
        Assert.That(uploaded.Header("Content-Length"), Is.EqualTo(size.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(uploaded.Header("Authorization"), Is.Null);
        Assert.That(outcome.Record.BytesIn, Is.EqualTo(size));
        Assert.That(outcome.Record.Metrics!.BytesTransferred, Is.EqualTo(size));
        Assert.That(outcome.Record.ConnectionId, Is.Null, "the source is the Jira site, not a connection");
        Assert.That(outcome.Output!["bytes"]!.GetValue<long>(), Is.EqualTo(size));
    }

    [Test]
    public async Task TheTokenReachesNoLogRunRecordDryRunOrOtherHost()
    {
        var canary = "CANARY-jira-token-" + Guid.NewGuid().ToString("N");
        await using var media = new GeneratedSource(3 * Mb);
        await using var jira = new FakeJiraAttachments(canary, new Dictionary<string, Uri> { ["10001"] = media.Url() });
        await using var sink = new HashingSink();
        using var kit = Kit(jira);
        var step = TransferKit.Compile(Step(sink.Url()));

        var ok = await kit.RunAsync(step, Run(canary));
        var missing = await kit.RunAsync(step, Run(canary, Scope("20002")));
        var preview = await kit.Executor.PreviewAsync(TransferKit.Tenant, step, Scope(), "steps[0]", CancellationToken.None);

        Assert.That(ok.Succeeded, Is.True, ok.Record.ErrorCategory);
        Assert.That(missing.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http4xx));
        Assert.That(jira.Requests.Select(r => r.Header("Authorization")), Is.All.EqualTo("Bearer " + canary), "Jira did get the token");
        var elsewhere = media.Requests.Concat(sink.Requests).SelectMany(r => r.Headers.Values.Append(r.Target));
        Assert.That(elsewhere, Has.None.Contains(canary));
        var stored = JsonSerializer.Serialize(ok.Record, JsonDefaults.Options) + JsonSerializer.Serialize(missing.Record, JsonDefaults.Options);
        Assert.That(stored, Does.Not.Contain(canary));
        Assert.That(kit.Logs.AllText, Does.Contain("Transfer step archive"), "the transfer did log (metadata)");
        Assert.That(kit.Logs.AllText, Does.Not.Contain(canary));
        Assert.That(JsonSerializer.Serialize(preview, JsonDefaults.Options), Does.Not.Contain(canary));
    }

    [Test]
    public async Task WithoutASystemTokenNothingIsSent()
    {
        await using var media = new GeneratedSource(1000);
        await using var jira = new FakeJiraAttachments(Token, new Dictionary<string, Uri> { ["10001"] = media.Url() });
        await using var sink = new HashingSink();
        using var kit = Kit(jira);

        var outcome = await kit.RunAsync(TransferKit.Compile(Step(sink.Url())), Run(token: null));

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.SystemTokenMissing));
        Assert.That(outcome.Record.Metrics!.FailedSide, Is.EqualTo("source"));
        Assert.That(outcome.Record.Attempts, Is.Zero);
        Assert.That(jira.Connections + media.Connections + sink.Connections, Is.Zero);
    }

    [TestCase("abc")]
    [TestCase("10001/../../issue/PRJ-1")]
    [TestCase(null)]
    public async Task AnIdThatIsNotDigitsFailsAsAttachmentMissingBeforeAnythingIsSent(string? id)
    {
        await using var jira = new FakeJiraAttachments(Token, new Dictionary<string, Uri>());
        await using var sink = new HashingSink();
        using var kit = Kit(jira);

        var outcome = await kit.RunAsync(TransferKit.Compile(Step(sink.Url())), Run(scope: Scope(id)));

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.AttachmentMissing));
        Assert.That(outcome.Record.Metrics!.FailedSide, Is.EqualTo("source"));
        Assert.That(outcome.Record.Attempts, Is.Zero);
        Assert.That(jira.Connections + sink.Connections, Is.Zero);
    }

    [Test]
    public async Task AnUnknownAttachmentFailsAtTheSourceWithItsStatus()
    {
        await using var jira = new FakeJiraAttachments(Token, new Dictionary<string, Uri>());
        await using var sink = new HashingSink();
        using var kit = Kit(jira);

        var outcome = await kit.RunAsync(TransferKit.Compile(Step(sink.Url(), "404404")), Run());

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http4xx));
        Assert.That(outcome.Record.StatusCode, Is.EqualTo(404));
        Assert.That(outcome.Record.Metrics!.FailedSide, Is.EqualTo("source"));
        Assert.That(outcome.Record.Host, Is.EqualTo("127.0.0.1"));
        Assert.That(jira.Requests.Single().Target, Is.EqualTo("/jira/rest/api/3/attachment/content/404404"));
        Assert.That(sink.Connections, Is.Zero, "nothing is uploaded when Jira has no attachment to give");
    }

    [Test]
    public async Task ASiteThatIsNotAtlassianIsRefusedWithoutTheOverride()
    {
        await using var jira = new FakeJiraAttachments(Token, new Dictionary<string, Uri>());
        await using var sink = new HashingSink();
        using var kit = new TransferKit();
        var forged = new TenantContext(TransferKit.Tenant.Value, "cloud-1", jira.BaseUrl.ToString());

        var outcome = await kit.RunAsync(TransferKit.Compile(Step(sink.Url())), Run(tenant: forged));

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.InvalidUrl));
        Assert.That(outcome.Record.Metrics!.FailedSide, Is.EqualTo("source"));
        Assert.That(jira.Connections + sink.Connections, Is.Zero, "the token is never sent to a site that is not Atlassian's");
    }

    [Test]
    public async Task ADryRunShowsTheJiraRequestWithTheTokenMaskedAndSendsNothing()
    {
        await using var sink = new HashingSink();
        using var kit = new TransferKit();

        var preview = await kit.Executor.PreviewAsync(TransferKit.Tenant, TransferKit.Compile(Step(sink.Url())), Scope(), "steps[0]", CancellationToken.None);
        var noAttachment = await kit.Executor.PreviewAsync(TransferKit.Tenant, TransferKit.Compile(Step(sink.Url())), Scope(null), "steps[0]", CancellationToken.None);

        var from = preview.Request!.Body!["streamedFrom"]!;
        Assert.That(from["method"]!.GetValue<string>(), Is.EqualTo("GET"));
        Assert.That(from["url"]!.GetValue<string>(), Is.EqualTo("{apiBaseUrl}/rest/api/3/attachment/content/10001"));
        Assert.That(from["headers"]!["Authorization"]!.GetValue<string>(), Is.EqualTo("Bearer " + RequestBuilder.Mask));
        Assert.That(preview.Request.Method, Is.EqualTo("PUT"));
        Assert.That(noAttachment.Error!.Category, Is.EqualTo(ErrorCategories.AttachmentMissing));
        Assert.That(noAttachment.Error.Path, Is.EqualTo("steps[0].source"));
        Assert.That(sink.Connections, Is.Zero);
    }
}
