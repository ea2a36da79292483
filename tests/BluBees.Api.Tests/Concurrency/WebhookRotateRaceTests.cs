using System.Net;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Storage;
using BluBees.Engine.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Concurrency;

/// <summary>
/// A webhook's secret rotated while the hook is deleted: the rotation read the hook before the delete and writes after it.
/// Its write is conditional (the hook stays deleted, no secret comes back), but it answered 409 "changed at the same time;
/// reload and try again", and the reload found nothing. It now answers 404, as a connection edit racing a delete does.
/// Held at the rotation's write, so the delete runs in between every time.
/// </summary>
public sealed class WebhookRotateRaceTests : BackendFixture
{
    protected override Action<IServiceCollection> Services => s =>
    {
        s.AddSingleton(sp => new HeldWrites(sp.GetRequiredService<IStore>()));
        s.AddSingleton(sp => ActivatorUtilities.CreateInstance<WebhookService>(sp, sp.GetRequiredService<HeldWrites>()));
    };

    [Test]
    public async Task A_rotation_that_lost_to_a_delete_answers_404_and_the_hook_stays_deleted()
    {
        var tenant = Samples.NewTenant();
        var hook = (await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", tenant, new { name = "Orders" }, 201))["id"]!.GetValue<string>();
        var writes = Backend.Services.GetRequiredService<HeldWrites>();
        writes.Hold(Keys.Webhook(hook));
        Task<HttpResponseMessage> rotate;
        try
        {
            rotate = Backend.SendAsync(HttpMethod.Post, $"/api/webhooks/{hook}/rotate-secret", tenant);
            Assert.That(await Waits.UntilAsync(() => Task.FromResult(writes.Held), n => n == 1), Is.EqualTo(1), "the rotation is held at its write");
            using var deleted = await Backend.SendAsync(HttpMethod.Delete, $"/api/webhooks/{hook}", tenant);
            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), await deleted.Content.ReadAsStringAsync());
        }
        finally
        {
            writes.Release();
        }

        using var rotated = await rotate.WaitAsync(TimeSpan.FromSeconds(20));
        var text = await rotated.Content.ReadAsStringAsync();
        Assert.That(rotated.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), text);
        Assert.That((await ProblemAsync(rotated))["detail"]!.GetValue<string>(), Does.Contain("does not exist"));
        Assert.That(text, Does.Not.Contain("\"secret\""), "no secret is handed out for a deleted hook");
        using var read = await Backend.SendAsync(HttpMethod.Get, $"/api/webhooks/{hook}", tenant);
        Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the hook stays deleted");
        Assert.That((await Backend.DumpStoreAsync()).Where(r => r.Contains(hook, StringComparison.Ordinal)), Is.Empty, "nothing of the deleted hook is left");
    }
}
