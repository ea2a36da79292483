using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Harness;

/// <summary>Creates sent at once against a per-tenant limit (rules, connections, webhooks), over the real API.</summary>
public static class LimitRace
{
    public const int AtOnce = 8;

    /// <summary>
    /// Sends <see cref="AtOnce"/> creates together one short of the limit: at most one is saved (all may be refused
    /// when each saw the others), each refusal a 409 naming <paramref name="limit"/>. Then the limit is reached by one
    /// more create if none was saved, and the next is 409.
    /// </summary>
    public static async Task CreateAtOnceAsync(BackendHost backend, TestIssuer issuer, string tenant, string path, Func<int, JsonObject> body, string limit)
    {
        // As many client connections open as creates to send, so none waits for its connection's set-up.
        foreach (var warm in await Task.WhenAll(Enumerable.Range(0, AtOnce).Select(_ => backend.SendAsync(HttpMethod.Get, path, tenant))))
        {
            warm.Dispose();
        }

        // Tokens and bodies made first, so the creates leave together.
        var now = backend.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var ready = Enumerable.Range(0, AtOnce).Select(n => (Token: issuer.Mint(TestIssuer.ForRoute(path, tenant, "557058:admin"), now: now), Body: body(n))).ToList();
        var responses = await Task.WhenAll(ready.Select(r => Task.Run(() => backend.SendWithTokenAsync(HttpMethod.Post, path, r.Token, r.Body))));
        var created = 0;
        foreach (var response in responses)
        {
            using (response)
            {
                var text = await response.Content.ReadAsStringAsync();
                Assert.That(response.StatusCode, Is.AnyOf(HttpStatusCode.Created, HttpStatusCode.Conflict), text);
                if (response.StatusCode == HttpStatusCode.Conflict)
                {
                    Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"), "a ProblemDetails sent as JSON");
                    Assert.That(JsonNode.Parse(text)!["detail"]!.GetValue<string>(), Does.Contain(limit));
                }
                else
                {
                    created++;
                }
            }
        }

        Assert.That(created, Is.LessThanOrEqualTo(1), "creates sent at once one short of the limit that answered 201");
        if (created == 0)
        {
            using var last = await backend.SendAsync(HttpMethod.Post, path, tenant, body(AtOnce));
            Assert.That(last.StatusCode, Is.EqualTo(HttpStatusCode.Created), "the refused creates left nothing that counts");
        }

        using var over = await backend.SendAsync(HttpMethod.Post, path, tenant, body(AtOnce + 1));
        Assert.That(over.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
    }
}
