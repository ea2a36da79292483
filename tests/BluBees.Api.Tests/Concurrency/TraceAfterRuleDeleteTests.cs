using System.Net;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Concurrency;

/// <summary>
/// A filtered event's "why didn't it run?" entries written after the rule they explain was deleted: the ingress read the
/// rule before the delete and wrote its trace after the delete's sweep of the trace, so the entry (the event's issue key
/// in it) stayed for the run retention (30 days) of a rule that no longer exists. The writer now reads the rules' heads
/// after its write and deletes the entries of those gone. The ingress's trace writes go through
/// <see cref="HeldTraceWrites"/>, so the delete runs in between every time.
/// </summary>
public sealed class TraceAfterRuleDeleteTests : BackendFixture
{
    protected override Action<IServiceCollection> Services => s =>
    {
        s.AddSingleton(sp => new HeldTraceWrites(sp.GetRequiredService<IStore>()));
        s.AddSingleton(sp => ActivatorUtilities.CreateInstance<EventIngestor>(
            sp, ActivatorUtilities.CreateInstance<RunStore>(sp, sp.GetRequiredService<HeldTraceWrites>())));
    };

    [Test]
    public async Task A_trace_entry_of_a_filtered_event_written_after_its_rules_delete_is_not_left_behind()
    {
        var tenant = Samples.NewTenant();
        var rule = (string)(await CreateRuleAsync(tenant, Samples.Rule(await CreateConnectionAsync(tenant))))["id"]!;
        var writes = Backend.Services.GetRequiredService<HeldTraceWrites>();
        writes.Hold(tenant);
        Task<HttpResponseMessage> filtered;
        try
        {
            filtered = Task.Run(() => Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("WEB-1", "Other project")));
            Assert.That(await Waits.UntilAsync(() => Task.FromResult(writes.Held), n => n == 1), Is.EqualTo(1), "the trace write is in flight");
            using var deleted = await Backend.SendAsync(HttpMethod.Delete, $"/api/rules/{rule}", tenant);
            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }
        finally
        {
            writes.Release();
        }

        using (var answer = await filtered.WaitAsync(TimeSpan.FromSeconds(20)))
        {
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK), await answer.Content.ReadAsStringAsync());
        }

        var rows = await Waits.UntilAsync(async () => (await Backend.DumpStoreAsync()).Where(r => r.Contains(rule, StringComparison.Ordinal)).ToList(), r => r.Count == 0, TimeSpan.FromSeconds(5));
        Assert.That(rows, Is.Empty, "nothing of the deleted rule (its trace included) is left");
    }
}
