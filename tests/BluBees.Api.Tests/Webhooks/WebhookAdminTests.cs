using System.Buffers.Text;
using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Webhooks;

/// <summary>/api/webhooks: the signing secret is shown once (create, rotate) and is write-only afterwards.</summary>
public sealed class WebhookAdminTests : WebhookKit
{
    [Test]
    public async Task The_secret_is_shown_once_and_never_again()
    {
        var tenant = Samples.NewTenant();
        using var createResponse = await Backend.SendAsync(HttpMethod.Post, "/api/webhooks", tenant, new { name = "  Shop orders  " });
        Assert.That(createResponse.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var created = JsonNode.Parse(await createResponse.Content.ReadAsStringAsync())!;
        var id = created["id"]!.GetValue<string>();
        var secret = created["secret"]!.GetValue<string>();
        Assert.Multiple(() =>
        {
            Assert.That(createResponse.Headers.Location?.ToString(), Is.EqualTo($"/api/webhooks/{id}"));
            Assert.That(created["name"]!.GetValue<string>(), Is.EqualTo("Shop orders"));
            Assert.That(created["secretSet"]!.GetValue<bool>(), Is.True);
            Assert.That(Base64Url.IsValid(secret) && Base64Url.DecodeFromChars(secret).Length == 32, Is.True, "32 random bytes, base64url");
        });

        using var one = await Backend.SendAsync(HttpMethod.Get, $"/api/webhooks/{id}", tenant);
        using var list = await Backend.SendAsync(HttpMethod.Get, "/api/webhooks", tenant);
        var oneText = await one.Content.ReadAsStringAsync();
        var listText = await list.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(JsonNode.Parse(oneText)!["secretSet"]!.GetValue<bool>(), Is.True);
            Assert.That(JsonNode.Parse(oneText)!["secret"], Is.Null);
            Assert.That(oneText, Does.Not.Contain(secret).And.Not.Contain("ciphertext"));
            Assert.That(listText, Does.Not.Contain(secret).And.Not.Contain("ciphertext"));
            Assert.That(JsonNode.Parse(listText)!["items"]!.AsArray().Single()!["id"]!.GetValue<string>(), Is.EqualTo(id));
        });
    }

    [Test]
    public async Task Rotating_returns_a_new_secret_once_and_the_old_one_stops_working()
    {
        var tenant = Samples.NewTenant();
        var (hookId, oldSecret) = await CreateHookAsync(tenant);
        await HookRuleAsync(tenant, hookId, "rotated");
        Clock.Advance(TimeSpan.FromMinutes(1));

        var rotated = await Backend.JsonAsync(HttpMethod.Post, $"/api/webhooks/{hookId}/rotate-secret", tenant);
        var newSecret = rotated["secret"]!.GetValue<string>();
        Assert.That(newSecret, Is.Not.EqualTo(oldSecret));
        Assert.That(rotated["secretRotatedAt"]!.GetValue<DateTimeOffset>(), Is.GreaterThan(rotated["createdAt"]!.GetValue<DateTimeOffset>()));

        using var old = await DeliverSignedAsync(tenant, hookId, oldSecret, OrderBody("O-1", "old"));
        using var current = await DeliverSignedAsync(tenant, hookId, newSecret, OrderBody("O-2", "new"));
        Assert.Multiple(() =>
        {
            Assert.That(old.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(current.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        });
        Assert.That((await Backend.JsonAsync(HttpMethod.Get, $"/api/webhooks/{hookId}", tenant))["secret"], Is.Null);

        // The delivery signed with the new secret runs its rule; the old one's never does. (Waited for here, not left
        // running into the next test or the teardown.)
        var received = await Waits.UntilAsync(() => Task.FromResult(ReceivedAt("/api/v2/rotated/")), r => r.Count >= 1);
        Assert.That(received.Select(r => r.Path), Is.EquivalentTo(new[] { "/api/v2/rotated/O-2" }));
    }

    [Test]
    public async Task A_hook_used_by_a_rule_cannot_be_deleted_until_the_rule_is_gone()
    {
        var tenant = Samples.NewTenant();
        var (hookId, secret) = await CreateHookAsync(tenant);
        var ruleId = await HookRuleAsync(tenant, hookId, "deleted");

        using var conflict = await Backend.SendAsync(HttpMethod.Delete, $"/api/webhooks/{hookId}", tenant);
        Assert.That(conflict.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await ProblemAsync(conflict))["usedBy"]![0]!["id"]!.GetValue<string>(), Is.EqualTo(ruleId));

        using var ruleGone = await Backend.SendAsync(HttpMethod.Delete, $"/api/rules/{ruleId}", tenant);
        using var deleted = await Backend.SendAsync(HttpMethod.Delete, $"/api/webhooks/{hookId}", tenant);
        using var again = await Backend.SendAsync(HttpMethod.Delete, $"/api/webhooks/{hookId}", tenant);
        using var delivery = await DeliverSignedAsync(tenant, hookId, secret, OrderBody("D-1", "n"));
        Assert.Multiple(() =>
        {
            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(delivery.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        });
    }

    [Test]
    public async Task Another_tenants_hook_is_invisible()
    {
        var (hookId, _) = await CreateHookAsync(Samples.NewTenant());
        var stranger = Samples.NewTenant();
        foreach (var (method, path) in new[] { (HttpMethod.Get, $"/api/webhooks/{hookId}"), (HttpMethod.Post, $"/api/webhooks/{hookId}/rotate-secret"), (HttpMethod.Delete, $"/api/webhooks/{hookId}") })
        {
            using var response = await Backend.SendAsync(method, path, stranger);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), $"{method} {path}");
            await ProblemAsync(response);
        }
    }

    [TestCase("""{}""", "name")]
    [TestCase("""{"name":"   "}""", "name")]
    [TestCase("""{"name":"line\nbreak"}""", "name")]
    [TestCase("""{"name":"x","secret":"mine"}""", "secret")]
    public async Task A_bad_create_is_400_naming_the_field(string body, string field)
    {
        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/webhooks", Samples.NewTenant(), body);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await ProblemAsync(response))["errors"]![field], Is.Not.Null);
    }
}
