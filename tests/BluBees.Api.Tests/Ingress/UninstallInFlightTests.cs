using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// A request of the tenant that passed authentication before the uninstall and writes after it (here an admin's
/// connection save, held by a slow Jira permission check). Before, its secret's encryption created a new data key for
/// the uninstalled tenant: the connection, its secret (readable under that key), the key and a directory entry were
/// left behind, with no uninstall ever to come (Forge gives a reinstall a new installation id). A data key is no longer
/// created for an installation marked uninstalled; the request answers 401 as the next one would.
/// </summary>
[NonParallelizable]
public sealed class UninstallInFlightTests
{
    private const string LateAdmin = "557058:late-admin";

    [Test]
    public async Task A_connection_save_in_flight_during_the_uninstall_leaves_no_data_key_and_no_readable_secret()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var backend = await BackendHost.StartAsync(issuer);
        await using var thirdParty = await ThirdPartyApi.StartAsync();
        var tenant = Samples.NewTenant();
        var secret = Samples.Canary("in-flight-secret");
        using (await backend.SendAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(thirdParty.Address, "first")))
        {
        }

        // The late admin's permission check waits until the uninstall has finished.
        backend.Jira.Admins[LateAdmin] = true;
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        backend.Jira.Respond = call =>
        {
            if (call.AccountId == LateAdmin)
            {
                asked.TrySetResult();
                release.Wait(TimeSpan.FromSeconds(30));
            }

            return null;
        };
        var save = backend.SendAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(thirdParty.Address, secret), accountId: LateAdmin);
        await asked.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using (var uninstall = await backend.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, LifecycleTests.PreUninstallBody(tenant)))
        {
            Assert.That(uninstall.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        release.Set();
        using var saved = await save;
        var body = await saved.Content.ReadAsStringAsync();
        var rows = (await backend.DumpStoreAsync()).Where(row => row.Contains(tenant, StringComparison.Ordinal)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That((int)saved.StatusCode, Is.EqualTo(401), body);
            Assert.That(saved.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"), "a ProblemDetails sent as JSON, as every error");
            Assert.That(JsonNode.Parse(body)?["detail"]?.GetValue<string>() ?? "", Does.Contain("uninstalled"), body);
            Assert.That(rows.Where(r => r.Contains(" KEY ", StringComparison.Ordinal)), Is.Empty, "no data key was created for the uninstalled tenant");
            Assert.That(rows, Is.Empty, "nothing of the tenant (data key, directory entry, connection)");
            Assert.That(body, Does.Not.Contain(secret));
        });
    }
}
