using System.Net.Sockets;
using System.Text;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Connections;
using BluBees.Engine.Connections.OAuth;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Aws.Tests.Storage;

/// <summary>
/// A delete whose caller goes away (a browser tab closed, Forge's invokeRemote timing out) while the item's own
/// DeleteItem is in flight, which DynamoDB applies. Before, that DeleteItem ran on the request's cancellation token:
/// the SDK gave up on it and the delete stopped there, with nothing left for the admin to delete again. For a
/// connection, the rotated refresh token a run stored meanwhile (a live credential) was left for good; for a rule, its
/// versions (definitions in clear) and the rule list's stamp. Once the delete is sent, the rest runs to its end.
/// (Residue erasure is the embedded store's; on SQLite the deletes wait on one write lock, so the cut between them
/// cannot be placed from outside: the embedded store's rule case is Api.Tests › Admin › RuleDeleteCutByClientTests.)
/// </summary>
[TestFixture]
public sealed class DeleteCutByClientTests : FaultyTableFixture
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
    public async Task A_connection_delete_whose_caller_resets_while_the_connection_is_deleted_still_removes_the_rotated_refresh_token()
    {
        var tenant = Samples.NewTenant();
        var json = Samples.Connection(ThirdParty.Address, "s3cret");
        var id = (string)(await Api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, json, 201))["id"]!;
        var connection = (await Api.Services.GetRequiredService<ConnectionService>().GetAsync(new TenantId(tenant), id, default))!;
        var store = Api.Services.GetRequiredService<IStore>();
        var pk = Keys.Tenant(tenant);

        // Held once the token's first delete is done and the connection's is on its way: a run that refreshed the
        // connection's token stores the rotated one then (the connection is still there).
        await CutWhileHeldAsync(tenant, "/api/connections/" + id, Keys.Connection(id), async () =>
        {
            await Api.Services.GetRequiredService<RotatedRefreshTokens>().StoreAsync(new TenantId(tenant), connection, "rotated-refresh-token", default);
            Assert.That(await store.GetAsync(pk, Keys.RotatedRefreshToken(id), default), Is.Not.Null, "control: the rotated token is stored");
        });

        Assert.Multiple(async () =>
        {
            Assert.That(await store.GetAsync(pk, Keys.Connection(id), default), Is.Null, "control: the connection is deleted");
            Assert.That(await store.GetAsync(pk, Keys.RotatedRefreshToken(id), default), Is.Null, "the rotated refresh token (a live credential) is deleted with its connection");
        });
    }

    [Test]
    public async Task A_rule_delete_whose_caller_resets_while_the_head_is_deleted_still_removes_every_version()
    {
        var tenant = Samples.NewTenant();
        var connection = (string)(await Api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "s3cret"), 201))["id"]!;
        var id = (string)(await Api.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection), 201))["id"]!;
        var store = Api.Services.GetRequiredService<IStore>();
        var pk = Keys.Tenant(tenant);
        Assert.That((await store.QueryAsync(new QueryRequest(pk, Keys.RuleVersionPrefix(id)), default)).Items, Is.Not.Empty, "control: the rule has a version");

        await CutWhileHeldAsync(tenant, "/api/rules/" + id, Keys.Rule(id));

        Assert.Multiple(async () =>
        {
            Assert.That(await store.GetAsync(pk, Keys.Rule(id), default), Is.Null, "control: the head is deleted");
            Assert.That((await store.QueryAsync(new QueryRequest(pk, Keys.RuleVersionPrefix(id)), default)).Items, Is.Empty,
                "the rule's versions (definitions in clear) go with its head");
        });
    }

    /// <summary>
    /// Sends DELETE <paramref name="path"/> over a raw socket, holds its DeleteItem of <paramref name="sk"/> at the proxy,
    /// runs <paramref name="whileHeld"/>, resets the connection, waits for Kestrel to see the caller go, releases the
    /// held delete (DynamoDB applies it) and waits for the request's handling to end.
    /// </summary>
    private async Task CutWhileHeldAsync(string tenant, string path, string sk, Func<Task>? whileHeld = null)
    {
        var finished = Finished();
        var disconnected = Disconnected();
        var held = Proxy.Hold((operation, request) => operation == "DeleteItem" && (string?)request["Key"]?["sk"]?["S"] == sk);
        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(Api.Address.Host, Api.Address.Port);
            var stream = socket.GetStream();
            await stream.WriteAsync(Encoding.UTF8.GetBytes(DeleteRequest(tenant, path)));
            await stream.FlushAsync();
            await held.WaitAsync(TimeSpan.FromSeconds(30)); // the item's delete is on its way
            if (whileHeld is not null)
            {
                await whileHeld();
            }

            socket.LingerState = new LingerOption(true, 0); // the caller gives up: a reset
            socket.Close();
        }

        Assert.That(await Waits.UntilAsync(() => Task.FromResult(Disconnected()), n => n > disconnected, TimeSpan.FromSeconds(30)), Is.GreaterThan(disconnected), "Kestrel saw the caller go");
        Proxy.ReleaseHeld(); // DynamoDB receives the delete and applies it
        Assert.That(await Waits.UntilAsync(() => Task.FromResult(Finished()), n => n > finished, TimeSpan.FromSeconds(30)), Is.GreaterThan(finished), "the cut request ended");
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

    // DELETE lines only: the POST that created the item may log its own 'Request finished' after its caller had the
    // answer, and counted here it ended the wait before the cut request's work did (a clean-clone run saw that).
    private int Finished() => Api.Logs.Lines.Count(l => l.Contains("Request finished", StringComparison.Ordinal) && l.Contains("DELETE", StringComparison.Ordinal));
}
