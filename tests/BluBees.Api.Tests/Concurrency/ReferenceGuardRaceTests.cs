using System.Net;
using System.Net.Http.Headers;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Connections;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Concurrency;

/// <summary>
/// Two deletes of one connection at once, and a rule saved with it. A delete marks the connection as being deleted, reads
/// the rules that use it, deletes it and takes its mark back; a save writes the rule and then checks the connection is
/// there and not marked. The two deletes shared one mark: the first to end (here refused because its caller hung up,
/// as Forge's invokeRemote does after 25 s) removed it while the second was still deleting, so a rule saved then passed
/// its check, and the save (201) and the second delete (204) both succeeded: a rule pointing at a deleted connection.
/// Each delete now has a mark of its own (which also expires, so one a killed process left behind does not refuse
/// every later save for good).
/// </summary>
public sealed class ReferenceGuardRaceTests : BackendFixture
{
    protected override Action<IServiceCollection> Services => s =>
    {
        s.AddSingleton(sp => new HeldOperations(sp.GetRequiredService<IStore>()));
        s.AddSingleton(sp => ActivatorUtilities.CreateInstance<ConnectionService>(sp, sp.GetRequiredService<HeldOperations>()));
        s.AddSingleton(sp => ActivatorUtilities.CreateInstance<RuleService>(sp, sp.GetRequiredService<HeldOperations>()));
    };

    [Test]
    public async Task A_delete_whose_caller_hung_up_does_not_take_the_mark_of_another_delete_of_the_connection_with_it()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var held = Backend.Services.GetRequiredService<HeldOperations>();

        // The first delete: marked, held at its read of the rules, its caller then hangs up.
        held.HoldNextQuery(Keys.RulePrefix);
        using var hangingUp = new CancellationTokenSource();
        using var firstClient = new HttpClient { BaseAddress = Backend.Address };
        var first = Task.Run(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/connections/{connection}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Backend.Issuer.Mint(TestIssuer.ForRoute($"/api/connections/{connection}", tenant)));
            request.Headers.Add(FakeJira.UserTokenHeader, Backend.Jira.UserTokenFor("557058:admin"));
            try
            {
                using var response = await firstClient.SendAsync(request, hangingUp.Token);
            }
            catch (OperationCanceledException)
            {
            }
        });
        Task<HttpResponseMessage>? second = null;
        try
        {
            Assert.That(await Waits.UntilAsync(() => Task.FromResult(held.HeldQueries), n => n == 1), Is.EqualTo(1), "the first delete is marked and held");

            // The second delete: marked, finds no rule, held as it starts deleting the connection.
            held.HoldDeletes(Keys.RotatedRefreshTokenPrefix);
            second = Backend.SendAsync(HttpMethod.Delete, $"/api/connections/{connection}", tenant);
            Assert.That(await Waits.UntilAsync(() => Task.FromResult(held.HeldDeletes), n => n == 1), Is.EqualTo(1), "the second delete is held");

            // The first caller hangs up: that delete stops and takes its mark back.
            var marks = await MarksAsync(tenant, connection);
            await hangingUp.CancelAsync();
            await first.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.That(await Waits.UntilAsync(() => MarksAsync(tenant, connection), n => n < marks), Is.LessThan(marks), "the first delete took its mark back");

            // A rule saved with the connection while the second delete is still under way.
            using var save = await Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection));
            held.Release();
            using var deleted = await second.WaitAsync(TimeSpan.FromSeconds(20));
            var saveText = await save.Content.ReadAsStringAsync();
            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), await deleted.Content.ReadAsStringAsync());
            Assert.That(save.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "the delete answered 204, so the save must not have: " + saveText);
            Assert.That(saveText, Does.Contain("deleted at the same time"));
        }
        finally
        {
            held.Release();
            if (second is not null)
            {
                (await second.WaitAsync(TimeSpan.FromSeconds(20))).Dispose();
            }
        }

        var rules = (await Backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant))["items"]!.AsArray();
        Assert.That(rules, Is.Empty, "no rule points at the deleted connection");
        Assert.That(await MarksAsync(tenant, connection), Is.Zero, "no mark of the deleted connection is left");
    }

    private async Task<int> MarksAsync(string tenant, string connection)
        => (await Backend.DumpStoreAsync()).Count(row => row.StartsWith(Keys.Tenant(tenant) + " DELETING#" + Keys.Connection(connection), StringComparison.Ordinal));
}
