using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Amazon.SQS;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;
using BluBees.Aws.Tests.Support;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Aws.Tests.Storage;

/// <summary>
/// An uninstall whose erase DynamoDB refuses part way (Forge does not retry a preUninstall; DynamoDB has no periodic
/// job to resume it) asks the worker to finish it: a "finish-uninstall" message on the run queue, which the worker
/// answers by erasing the tenant again. The deployed shape on loopback: the real app on DynamoDB (dynalite behind the
/// fault proxy), KMS and SQS stand-ins; the test plays the Lambda event source mapping.
/// </summary>
[TestFixture]
public sealed class UninstallFinishTests
{
    private const int MaxReceiveCount = 3;
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(900);
    private readonly FakeTimeProvider _queueClock = new(DateTimeOffset.UtcNow);
    private TestIssuer _issuer = null!;
    private ThirdPartyApi _thirdParty = null!;
    private KmsFake _kms = null!;
    private SqsFake _sqs = null!;
    private DynamoDbTable _table = null!;
    private DynamoDbFaultProxy _proxy = null!;
    private BackendHost _app = null!;
    private IAmazonSQS _sqsClient = null!;
    private string _queueUrl = null!;
    private string _dlqUrl = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _thirdParty = await ThirdPartyApi.StartAsync();
        _kms = await KmsFake.StartAsync();
        _sqs = await SqsFake.StartAsync(_queueClock);
        _table = await DynamoDbTable.CreateAsync();
        _proxy = await DynamoDbFaultProxy.StartAsync(_table.Url);
        _dlqUrl = _sqs.CreateQueue("blubees-test-runs-dlq", Visibility);
        _queueUrl = _sqs.CreateQueue("blubees-test-runs", Visibility, _dlqUrl, MaxReceiveCount);
        var settings = _table.Settings();
        settings["Storage:DynamoDbServiceUrl"] = _proxy.Address.ToString();
        settings.WithKmsAndSqs(_kms, _kms.CreateKey(), _sqs, _queueUrl);
        settings["Worker:Enabled"] = "true";
        settings["Worker:MaxReceiveCount"] = MaxReceiveCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _app = await BackendHost.StartAsync(_issuer, settings);
        _sqsClient = BluBees.Aws.AwsClientFactory.Sqs(_sqs.Address.ToString());
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _sqsClient.Dispose();
        await _app.DisposeAsync();
        await _proxy.DisposeAsync();
        _table.Dispose();
        await _sqs.DisposeAsync();
        await _kms.DisposeAsync();
        await _thirdParty.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [TearDown]
    public void Reset()
    {
        _proxy.Fail(null);
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            foreach (var line in _app.Logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Warning", StringComparison.Ordinal)))
            {
                TestContext.Out.WriteLine(line);
            }
        }
    }

    [Test]
    public async Task An_uninstall_refused_part_way_is_finished_by_the_worker_and_leaves_nothing()
    {
        var tenant = await InstalledTenantWithARuleAsync();
        var pk = Keys.Tenant(tenant);
        RefuseBatchDeletes();

        using (var response = await UninstallAsync(tenant))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "the erase was refused part way");
        }

        _proxy.Fail(null);
        Assert.That(await CountAsync(pk, Keys.RuleVersionsPrefix), Is.EqualTo(1), "the rule's definition (in clear) was left behind");
        var finish = new JsonObject { ["kind"] = "finish-uninstall", ["tenant"] = tenant }.ToJsonString();
        Assert.That(_sqs.Bodies(_queueUrl), Has.Count.GreaterThanOrEqualTo(1).And.All.EqualTo(finish), "requests to finish it, naming only the tenant");

        var poller = new LambdaSqsPoller(_sqsClient, _queueUrl, _app.Client);
        var delivery = await poller.DeliverOnceAsync();

        Assert.Multiple(async () =>
        {
            Assert.That((delivery.Messages.Count, delivery.Failures.Count), Is.EqualTo((1, 0)), "the refusal's request is delivered at once");
            Assert.That(await CountAsync(pk, string.Empty), Is.Zero, "nothing of the tenant is left: rules, connections, settings, name claims");
            Assert.That(await Store.GetAsync(Keys.DirectoryPk, Keys.DirectoryEntry(tenant), default), Is.Null, "its directory entry is gone");
        });

        await DrainAsync(poller);
        Assert.That(_sqs.Bodies(_queueUrl), Is.Empty, "a finished uninstall leaves no message");
    }

    [Test]
    public async Task A_finish_refused_again_returns_to_the_queue_and_a_later_receive_and_a_second_copy_finish_it_once()
    {
        var tenant = await InstalledTenantWithARuleAsync();
        var pk = Keys.Tenant(tenant);
        RefuseBatchDeletes();
        using (var response = await UninstallAsync(tenant))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        }

        var body = _sqs.Bodies(_queueUrl).Distinct().Single();
        var poller = new LambdaSqsPoller(_sqsClient, _queueUrl, _app.Client);
        var refused = await poller.DeliverOnceAsync();
        Assert.That((refused.Messages.Count, refused.Failures.Count), Is.EqualTo((1, 1)), "still refused: reported as failed, back to the queue");
        Assert.That(await CountAsync(pk, Keys.RuleVersionsPrefix), Is.EqualTo(1));

        _proxy.Fail(null);
        await _sqsClient.SendMessageAsync(_queueUrl, body); // a second copy (SQS delivers at least once)
        await DrainAsync(poller);

        Assert.Multiple(async () =>
        {
            Assert.That(await CountAsync(pk, string.Empty), Is.Zero);
            Assert.That(_sqs.Bodies(_queueUrl), Is.Empty);
            Assert.That(_sqs.Bodies(_dlqUrl), Is.Empty);
        });
    }

    [Test]
    public async Task A_finish_message_for_an_installed_tenant_erases_nothing()
    {
        // Only the API's role may send to the queue; even so, the message grants nothing: the worker erases only a
        // tenant whose installation is marked uninstalled.
        var tenant = await InstalledTenantWithARuleAsync();
        await _sqsClient.SendMessageAsync(_queueUrl, new JsonObject { ["kind"] = "finish-uninstall", ["tenant"] = tenant }.ToJsonString());

        var delivery = await new LambdaSqsPoller(_sqsClient, _queueUrl, _app.Client).DeliverOnceAsync();

        Assert.That((delivery.Messages.Count, delivery.Failures.Count), Is.EqualTo((1, 0)), "acknowledged, not retried");
        var rules = await _app.JsonAsync(HttpMethod.Get, "/api/rules", tenant);
        Assert.That(rules["items"]!.AsArray(), Has.Count.EqualTo(1), "the installed tenant's rule is still there");
        Assert.That(await Store.GetAsync(Keys.Tenant(tenant), Keys.DataKey, default), Is.Not.Null, "and its data key");
    }

    [Test]
    public async Task An_uninstall_whose_erase_is_cut_off_where_nothing_catches_it_is_finished_after_the_delay()
    {
        // The API function's timeout (29 s) or a kill ends an erase mid-way without any exception to act on: here the
        // erase's first batch of deletes never gets an answer while the worker runs. What was asked before the erase
        // (delayed past the function's timeout) finishes it.
        var tenant = await InstalledTenantWithARuleAsync();
        var pk = Keys.Tenant(tenant);
        var held = _proxy.Hold((operation, _) => operation == "BatchWriteItem");
        var uninstall = UninstallAsync(tenant);
        await held;
        try
        {
            Assert.That(await CountAsync(pk, Keys.RuleVersionsPrefix), Is.EqualTo(1), "cut off before the rule's definition was deleted");
            var poller = new LambdaSqsPoller(_sqsClient, _queueUrl, _app.Client);
            Assert.That((await poller.DeliverOnceAsync()).Messages, Is.Empty, "nothing is delivered while the erase may still be running");

            _queueClock.Advance(TimeSpan.FromMinutes(15));
            var delivery = await poller.DeliverOnceAsync();

            Assert.Multiple(async () =>
            {
                Assert.That((delivery.Messages.Count, delivery.Failures.Count), Is.EqualTo((1, 0)));
                Assert.That(await CountAsync(pk, string.Empty), Is.Zero, "the worker erased what the cut-off erase left");
                Assert.That(await Store.GetAsync(Keys.DirectoryPk, Keys.DirectoryEntry(tenant), default), Is.Null);
                Assert.That(_sqs.Bodies(_queueUrl), Is.Empty);
            });
        }
        finally
        {
            _proxy.ReleaseHeld();
            using var response = await uninstall;
        }
    }

    [Test]
    public async Task An_uninstall_refused_part_way_still_drops_what_the_process_holds_of_the_tenant_in_memory()
    {
        // The erase goes on in the worker (another process on AWS) or not at all: what this instance cached of the
        // tenant (here its connection's resilience pipeline) must go with the refused erase, not only with one that ends.
        var tenant = await InstalledTenantWithARuleAsync();
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/forge/events") { Content = JsonContent.Create(Samples.Event("OPS-77", "cache me")) })
        {
            request.Headers.Authorization = new("Bearer", _issuer.MintFor("/forge/events", tenant));
            using var accepted = await _app.Client.SendAsync(request);
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var poller = new LambdaSqsPoller(_sqsClient, _queueUrl, _app.Client);
        Assert.That((await poller.DeliverOnceAsync()).Failures, Is.Empty);
        var pipelines = _app.Services.GetRequiredService<BluBees.Engine.Connections.Resilience.ConnectionPipelines>();
        var before = pipelines.Count;
        Assert.That(before, Is.GreaterThanOrEqualTo(1), "control: the run built its connection's pipeline");
        RefuseBatchDeletes();
        try
        {
            using (var response = await UninstallAsync(tenant))
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "control: the erase was refused part way");
            }

            Assert.That(pipelines.Count, Is.EqualTo(before - 1), "the refused erase left the tenant's pipeline in memory");
        }
        finally
        {
            _proxy.Fail(null);
            await DrainAsync(poller); // the finish requests, so that the next test starts from an empty queue
        }
    }

    /// <summary>Delivers until the queue is empty (delayed and returned messages included); none may fail.</summary>
    private async Task DrainAsync(LambdaSqsPoller poller)
    {
        for (var round = 0; round < 5 && _sqs.Bodies(_queueUrl).Count > 0; round++)
        {
            _queueClock.Advance(Visibility);
            var delivery = await poller.DeliverOnceAsync();
            Assert.That(delivery.Failures, Is.Empty, "an already finished erase is acknowledged");
        }
    }

    private IStore Store => _app.Services.GetRequiredService<IStore>();

    private async Task<string> InstalledTenantWithARuleAsync()
    {
        var tenant = Samples.NewTenant();
        var connection = await _app.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, "s"), 201);
        await _app.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule((string)connection["id"]!), 201);
        return tenant;
    }

    /// <summary>DynamoDB throttles every batch of deletes (the SDK's retries included): only single-item deletes pass.</summary>
    private void RefuseBatchDeletes()
        => _proxy.Fail((operation, _) => operation == "BatchWriteItem" ? DynamoDbFault.ProvisionedThroughputExceeded : null);

    private Task<HttpResponseMessage> UninstallAsync(string tenant)
        => _app.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, new JsonObject { ["context"] = new JsonObject { ["cloudId"] = "c" }, ["contextToken"] = "t" }, withUserToken: false);

    private async Task<int> CountAsync(string pk, string prefix)
        => (await Store.QueryAsync(new QueryRequest(pk, prefix) { Limit = 1000 }, default)).Items.Count;
}
