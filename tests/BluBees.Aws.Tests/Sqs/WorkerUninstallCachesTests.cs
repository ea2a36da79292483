using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.SQS;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;
using BluBees.Aws.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Aws.Tests.Sqs;

/// <summary>
/// On AWS the uninstall runs on an API instance; what a worker instance caches of the tenant (here the Jira field list
/// its runs resolve display names with) is dropped when that worker receives the uninstall's <c>finish-uninstall</c>
/// message, which erases the tenant again: before, the worker's erase left its own caches as they were, and a later
/// install under the same id was served the earlier installation's list without Jira being asked. The deployed shape
/// on loopback: an API and a worker instance of the real app on DynamoDB (dynalite), KMS and SQS stand-ins; the test
/// plays the Lambda event source mapping.
/// </summary>
[TestFixture]
public sealed class WorkerUninstallCachesTests
{
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(900);
    private readonly FakeTimeProvider _queueClock = new(DateTimeOffset.UtcNow);
    private TestIssuer _issuer = null!;
    private KmsFake _kms = null!;
    private SqsFake _sqs = null!;
    private DynamoDbTable _table = null!;
    private BackendHost _api = null!;
    private BackendHost _worker = null!;
    private IAmazonSQS _sqsClient = null!;
    private string _queueUrl = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _kms = await KmsFake.StartAsync();
        _sqs = await SqsFake.StartAsync(_queueClock);
        _table = await DynamoDbTable.CreateAsync();
        var dlq = _sqs.CreateQueue("blubees-test-runs-dlq", Visibility);
        _queueUrl = _sqs.CreateQueue("blubees-test-runs", Visibility, dlq, 3);
        var settings = _table.Settings();
        settings.WithKmsAndSqs(_kms, _kms.CreateKey(), _sqs, _queueUrl);
        _api = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?>(settings) { ["Worker:Enabled"] = "false" });
        _worker = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?>(settings) { ["Worker:Enabled"] = "true" });
        _sqsClient = BluBees.Aws.AwsClientFactory.Sqs(_sqs.Address.ToString());
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _sqsClient.Dispose();
        await _worker.DisposeAsync();
        await _api.DisposeAsync();
        _table.Dispose();
        await _sqs.DisposeAsync();
        await _kms.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Test]
    public async Task The_workers_finish_uninstall_drops_its_cached_jira_field_list()
    {
        var tenant = Samples.NewTenant();
        var token = _worker.Jira.SystemToken = Samples.Canary("system-token");
        _worker.Jira.Respond = call => call.Path == "/rest/api/3/field"
            ? (200, """[{"id":"summary","name":"Summary"},{"id":"customfield_10016","name":"Story Points","custom":true}]""")
            : null;
        var poller = new LambdaSqsPoller(_sqsClient, _queueUrl, _worker.Client);
        await InstallAsync(tenant);
        await RunOnceAsync(poller, tenant, "OPS-31", token);
        await RunOnceAsync(poller, tenant, "OPS-32", token, createRule: false);
        Assert.That(FieldLoads(), Is.EqualTo(1), "control: the worker loaded the list once and cached it");

        using (var uninstall = await _api.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, new JsonObject { ["context"] = new JsonObject { ["cloudId"] = "c" }, ["contextToken"] = "t" }, withUserToken: false))
        {
            Assert.That(uninstall.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        _queueClock.Advance(TimeSpan.FromMinutes(15)); // the finish message's delay
        var finish = await poller.DeliverOnceAsync();
        Assert.That((finish.Messages.Count, finish.Failures.Count), Is.EqualTo((1, 0)), "control: the worker received the finish message");

        await InstallAsync(tenant);
        await RunOnceAsync(poller, tenant, "OPS-33", token);
        Assert.That(FieldLoads(), Is.EqualTo(2), "the worker served the uninstalled installation's field list to the reinstall's run");
    }

    private int FieldLoads() => _worker.Jira.Calls.Count(c => c.Path == "/rest/api/3/field");

    private async Task InstallAsync(string tenant)
    {
        using var installed = await _api.SendAsync(HttpMethod.Post, "/forge/lifecycle", tenant, new JsonObject { ["eventType"] = "avi:forge:installed:app" });
        Assert.That(installed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    /// <summary>A rule naming a field by its display name (created unless told not to), one event with the system token, delivered to the worker.</summary>
    private async Task RunOnceAsync(LambdaSqsPoller poller, string tenant, string issueKey, string systemToken, bool createRule = true)
    {
        if (createRule)
        {
            await _api.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
            {
                ["name"] = "Points by display name",
                ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
                ["steps"] = new JsonArray(new JsonObject { ["id"] = "note", ["type"] = "jira.comment", ["body"] = "{{issue.key}} has {{issue.Story Points}} points" }),
            }, 201);
        }

        var evt = Samples.Event(issueKey, "Smart");
        evt["issue"]!["fields"]!["customfield_10016"] = 5;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/forge/events") { Content = new StringContent(evt.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", _issuer.MintFor("/forge/events", tenant));
        request.Headers.Add("x-forge-oauth-system", systemToken);
        using (var accepted = await _api.Client.SendAsync(request))
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var delivery = await poller.DeliverOnceAsync();
        Assert.That((delivery.Messages.Count, delivery.Failures.Count), Is.EqualTo((1, 0)), "the run's message was delivered and acknowledged");
    }
}
