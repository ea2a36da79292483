using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Connections;
using BluBees.Engine.Json;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// A run in flight when its tenant is uninstalled, whose OAuth 2.0 token endpoint answers after the uninstall with a
/// rotated refresh token (a live credential of the third party). Storing it used <c>SecretCipher.EncryptAsync</c>,
/// which creates a data key when the tenant has none: the uninstalled tenant got a fresh data key, a directory entry
/// and the refresh token encrypted under that live key, so deletion left the credential recoverable. The same for a
/// connection deleted while its token was being fetched: the rotated token was written back after the delete, under
/// the tenant's live data key. Real SQLite, worker, loopback token endpoint (hanging until released) and loopback
/// third party.
/// </summary>
public sealed class OAuthRefreshAfterUninstallTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Test]
    public async Task A_refresh_token_rotated_after_the_uninstall_is_not_stored_and_no_data_key_is_created()
    {
        var (kit, tenant, _) = await RunWhileDeletingAsync((kit, tenant, _) => kit.Services.GetRequiredService<TenantService>().UninstallAsync(tenant.Id, CancellationToken.None));
        await using (kit)
        {
            Assert.Multiple(async () =>
            {
                Assert.That(await TenantItemsAsync(kit, tenant.TenantId), Is.Zero, "nothing of the uninstalled tenant (no data key, no OAUTHRT#)");
                Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM items WHERE pk = $pk AND sk = $sk", ("$pk", Keys.DirectoryPk), ("$sk", Keys.DirectoryEntry(tenant.TenantId))),
                    Is.Zero, "no directory entry");
            });
        }
    }

    [Test]
    public async Task A_refresh_token_rotated_after_its_connection_was_deleted_is_not_left_in_the_store()
    {
        var (kit, tenant, connectionId) = await RunWhileDeletingAsync((kit, tenant, id) => kit.Services.GetRequiredService<ConnectionService>().DeleteAsync(tenant.Id, id, CancellationToken.None));
        await using (kit)
        {
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM items WHERE pk = $pk AND sk = $sk", ("$pk", Keys.Tenant(tenant.TenantId)), ("$sk", Keys.RotatedRefreshToken(connectionId))),
                Is.Zero, "the rotated refresh token (a live credential, under the live data key) was stored after the delete");
        }
    }

    /// <summary>
    /// Runs an event whose OAuth token endpoint hangs; meanwhile <paramref name="delete"/> (the uninstall, or the
    /// connection's delete) runs; then the endpoint answers with a rotated refresh token and the run finishes.
    /// </summary>
    private static async Task<(QueueKit Kit, TenantContext Tenant, string ConnectionId)> RunWhileDeletingAsync(
        Func<QueueKit, TenantContext, string, Task> delete)
    {
        await using var sink = await SlowSink.StartAsync();
        var tokenAsked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var rotated = Samples.Canary("rotated-refresh");
        await using var tokenEndpoint = await LoopbackServer.StartAsync(async context =>
        {
            tokenAsked.TrySetResult();
            await answer.Task.WaitAsync(context.RequestAborted);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(new JsonObject { ["access_token"] = "at-1", ["token_type"] = "Bearer", ["expires_in"] = 600, ["refresh_token"] = rotated }.ToJsonString());
        });
        var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.Services.GetRequiredService<TenantService>().EnsureAsync(tenant, CancellationToken.None);
        var connection = new JsonObject
        {
            ["name"] = "OAuth sink",
            ["baseUrl"] = sink.Address.ToString(),
            ["auth"] = new JsonObject { ["type"] = "oauth2RefreshToken", ["tokenUrl"] = new Uri(tokenEndpoint.Address, "/oauth/token").ToString(), ["clientId"] = "blubees" },
            ["secret"] = Samples.Canary("refresh"),
            ["clientSecret"] = Samples.Canary("client"),
        };
        var created = (await kit.Services.GetRequiredService<ConnectionService>().CreateAsync(
            tenant.Id, JsonSerializer.Deserialize<ConnectionInput>(connection.ToJsonString(), JsonDefaults.Options)!, CancellationToken.None)).Value!;
        var rule = new JsonObject
        {
            ["name"] = "OAuth rule",
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue"), ["projects"] = new JsonArray("OPS") },
            ["steps"] = new JsonArray(new JsonObject { ["id"] = "call", ["type"] = "http", ["connection"] = created.Id, ["method"] = "POST", ["path"] = "/t/{{ issue.key }}" }),
        };
        await kit.Services.GetRequiredService<RuleService>().CreateAsync(tenant.Id, JsonSerializer.Deserialize<RuleDefinition>(rule.ToJsonString(), JsonDefaults.Options)!, "test", CancellationToken.None);

        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-7"), null, null, CancellationToken.None);
            await tokenAsked.Task.WaitAsync(Generous);
            await delete(kit, tenant, created.Id);

            answer.SetResult(); // the token endpoint answers now, with a rotated refresh token
            await Waits.UntilAsync(() => kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), n => n == 0, Generous);
        }
        finally
        {
            answer.TrySetResult();
            await worker.StopAsync(CancellationToken.None);
        }

        return (kit, tenant, created.Id);
    }

    private static Task<long> TenantItemsAsync(QueueKit kit, string tenantId)
        => kit.ScalarAsync("SELECT COUNT(*) FROM items WHERE pk = $pk", ("$pk", Keys.Tenant(tenantId)));
}
