using System.Net.Sockets;
using System.Text;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Aws.Tests.Storage;

/// <summary>
/// A rule's delete whose caller goes away while the rule's own DeleteItem (its head) is in flight, which DynamoDB
/// applies. Before, that DeleteItem ran on the request's cancellation token: the SDK gave up on it and the delete
/// stopped there, so the rule's versions (definitions in clear) stayed for good and the rule list's stamp was never
/// bumped, with no rule left for the admin to delete again (the same shape as
/// <see cref="ConnectionDeleteCutByClientTests"/>; the embedded store's case is Api.Tests › Admin ›
/// RuleDeleteCutByClientTests).
/// </summary>
[TestFixture]
public sealed class RuleDeleteCutByClientTests : FaultyTableFixture
{
    /// <summary>
    /// Kestrel's 'Request finished' (Information) tells when the cut request's handling is over, and its connection
    /// log (Debug) when it saw the caller go (the request's cancellation token fires as it disconnects).
    /// </summary>
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore.Server.Kestrel"] = "Debug",
    };

    [Test]
    public async Task A_rule_delete_whose_caller_resets_while_the_head_is_deleted_still_removes_every_version()
    {
        var tenant = Samples.NewTenant();
        var connection = (string)(await Api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "s3cret"), 201))["id"]!;
        var id = (string)(await Api.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection), 201))["id"]!;
        var store = Api.Services.GetRequiredService<IStore>();
        var pk = Keys.Tenant(tenant);
        Assert.That((await store.QueryAsync(new QueryRequest(pk, Keys.RuleVersionPrefix(id)), default)).Items, Is.Not.Empty, "control: the rule has a version");
        var finished = Finished();

        var disconnected = Disconnected();
        var held = Proxy.Hold((operation, request) => operation == "DeleteItem" && (string?)request["Key"]?["sk"]?["S"] == Keys.Rule(id));
        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(Api.Address.Host, Api.Address.Port);
            var stream = socket.GetStream();
            await stream.WriteAsync(Encoding.UTF8.GetBytes(DeleteRequest(tenant, "/api/rules/" + id)));
            await stream.FlushAsync();
            await held.WaitAsync(TimeSpan.FromSeconds(30)); // the head's delete is on its way
            socket.LingerState = new LingerOption(true, 0); // the caller gives up: a reset
            socket.Close();
        }

        Assert.That(await Waits.UntilAsync(() => Task.FromResult(Disconnected()), n => n > disconnected, TimeSpan.FromSeconds(30)), Is.GreaterThan(disconnected), "Kestrel saw the caller go");
        Proxy.ReleaseHeld(); // DynamoDB receives the head's delete and applies it

        Assert.That(await Waits.UntilAsync(() => Task.FromResult(Finished()), n => n > finished, TimeSpan.FromSeconds(30)), Is.GreaterThan(finished), "the cut request ended");
        Assert.Multiple(async () =>
        {
            Assert.That(await store.GetAsync(pk, Keys.Rule(id), default), Is.Null, "control: the head is deleted");
            Assert.That((await store.QueryAsync(new QueryRequest(pk, Keys.RuleVersionPrefix(id)), default)).Items, Is.Empty,
                "the rule's versions (definitions in clear) go with its head");
        });
    }

    private string DeleteRequest(string tenant, string path)
    {
        var token = Issuer.Mint(TestIssuer.ForRoute(path, tenant, "557058:admin"), now: Api.Services.GetRequiredService<TimeProvider>().GetUtcNow());
        return new StringBuilder()
            .Append("DELETE ").Append(path).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(Api.Address.Authority).Append("\r\n")
            .Append("Authorization: Bearer ").Append(token).Append("\r\n")
            .Append(FakeJira.UserTokenHeader).Append(": ").Append(Api.Jira.UserTokenFor("557058:admin")).Append("\r\n")
            .Append("Content-Length: 0\r\n\r\n")
            .ToString();
    }

    private int Disconnected() => Api.Logs.Lines.Count(l => l.Contains("Kestrel.Connections", StringComparison.Ordinal) && l.Contains("disconnecting", StringComparison.Ordinal));

    private int Finished() => Api.Logs.Lines.Count(l => l.Contains("Request finished", StringComparison.Ordinal));
}
