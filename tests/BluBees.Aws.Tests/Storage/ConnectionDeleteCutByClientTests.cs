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
/// A connection's delete whose caller goes away (a browser tab closed, Forge's invokeRemote timing out) while the
/// connection's own DeleteItem is in flight, which DynamoDB applies. Before, that DeleteItem ran on the request's
/// cancellation token: the SDK gave up on it and the delete stopped there, so the rotated refresh token a run stored
/// meanwhile (a live credential) was left for good, with no connection left for the admin to delete again. Once the
/// connection's delete is sent, the rest runs to its end; the token's second delete, on the request's token, fails
/// this test as well. (Residue erasure is the embedded store's; on SQLite both deletes wait on one write lock, so the
/// cut between them cannot be placed from outside.)
/// </summary>
[TestFixture]
public sealed class ConnectionDeleteCutByClientTests : FaultyTableFixture
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
        var finished = Finished();

        var disconnected = Disconnected();
        var held = Proxy.Hold((operation, request) => operation == "DeleteItem" && (string?)request["Key"]?["sk"]?["S"] == Keys.Connection(id));
        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(Api.Address.Host, Api.Address.Port);
            var stream = socket.GetStream();
            await stream.WriteAsync(Encoding.UTF8.GetBytes(DeleteRequest(tenant, id)));
            await stream.FlushAsync();
            await held.WaitAsync(TimeSpan.FromSeconds(30)); // the token's first delete is done; the connection's is on its way

            // A run that refreshed the connection's token stores the rotated one now: the connection is still there.
            await Api.Services.GetRequiredService<RotatedRefreshTokens>().StoreAsync(new TenantId(tenant), connection, "rotated-refresh-token", default);
            Assert.That(await store.GetAsync(pk, Keys.RotatedRefreshToken(id), default), Is.Not.Null, "control: the rotated token is stored");

            socket.LingerState = new LingerOption(true, 0); // the caller gives up: a reset
            socket.Close();
        }

        Assert.That(await Waits.UntilAsync(() => Task.FromResult(Disconnected()), n => n > disconnected, TimeSpan.FromSeconds(30)), Is.GreaterThan(disconnected), "Kestrel saw the caller go");
        Proxy.ReleaseHeld(); // DynamoDB receives the connection's delete and applies it

        Assert.That(await Waits.UntilAsync(() => Task.FromResult(Finished()), n => n > finished, TimeSpan.FromSeconds(30)), Is.GreaterThan(finished), "the cut request ended");
        Assert.Multiple(async () =>
        {
            Assert.That(await store.GetAsync(pk, Keys.Connection(id), default), Is.Null, "control: the connection is deleted");
            Assert.That(await store.GetAsync(pk, Keys.RotatedRefreshToken(id), default), Is.Null, "the rotated refresh token (a live credential) is deleted with its connection");
        });
    }

    private string DeleteRequest(string tenant, string id)
    {
        var path = "/api/connections/" + id;
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
