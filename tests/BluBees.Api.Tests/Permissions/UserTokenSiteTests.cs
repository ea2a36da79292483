using System.Net;
using System.Net.Sockets;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.DevTokens;

namespace BluBees.Api.Tests.Permissions;

/// <summary>
/// The user's own Jira token (<c>x-forge-oauth-user</c>) goes only to the site the Jira steps accept: the verified
/// token's <c>apiBaseUrl</c> when it is https on an Atlassian host. A token naming any other host gets no connection
/// there (the check is refused as unverifiable), as a Jira step would send it nothing. Without the test override.
/// </summary>
public sealed class UserTokenSiteTests
{
    [TestCase("/api/connections", HttpStatusCode.Forbidden)]
    [TestCase("/api/issues/OPS-1/runs?issueId=11", HttpStatusCode.Forbidden)]
    public async Task A_token_whose_api_base_url_is_not_an_atlassian_site_sends_the_user_token_nowhere(string path, HttpStatusCode expected)
    {
        // A listener on 127.0.0.1 stands for the foreign "site": any connection to it is the user token on its way out.
        using var site = new TcpListener(IPAddress.Loopback, 0);
        site.Start();
        var port = ((IPEndPoint)site.LocalEndpoint).Port;
        var connections = 0;
        using var stop = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var client = await site.AcceptTcpClientAsync(stop.Token);
                Interlocked.Increment(ref connections);
            }
        });

        await using var issuer = await TestIssuer.StartAsync();
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?> { ["Jira:ApiBaseUrlOverride"] = string.Empty });
        var tenant = Samples.NewTenant();
        var request = TestIssuer.For(tenant) with { ApiBaseUrl = $"https://127.0.0.1:{port}/ex/jira/cloud-x" };
        var token = issuer.Mint(request, now: DateTimeOffset.UtcNow);

        using var response = await backend.SendWithTokenAsync(HttpMethod.Get, path, token, userToken: "user-token-canary");

        Assert.That(Volatile.Read(ref connections), Is.Zero, "the user token must not be sent to a host that is not Atlassian's");
        Assert.That(response.StatusCode, Is.EqualTo(expected), await response.Content.ReadAsStringAsync());
        stop.Cancel();
        site.Stop();
        try
        {
            await accepting;
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
    }
}
