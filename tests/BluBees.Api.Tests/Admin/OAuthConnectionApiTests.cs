using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Admin;

/// <summary>OAuth 2.0 connections and resilience settings through the admin API, and a run that uses one.</summary>
public sealed class OAuthConnectionApiTests : BackendFixture
{
    [Test]
    public async Task Bad_oauth_and_resilience_settings_are_field_named_problems()
    {
        var tenant = Samples.NewTenant();
        var body = new JsonObject
        {
            ["name"] = "OAuth API",
            ["baseUrl"] = new Uri(ThirdParty.Address, "/api").ToString(),
            ["auth"] = new JsonObject { ["type"] = "oauth2ClientCredentials", ["scope"] = "bad\"scope", ["clientAuth"] = "jwt" },
            ["clientSecret"] = "not-for-this-type",
            ["resilience"] = new JsonObject { ["maxRetries"] = 9, ["breakerFailureRatio"] = 2.0 },
        };

        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/connections", tenant, body);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var errors = (await ProblemAsync(response))["errors"]!.AsObject();
        Assert.That(errors.Select(e => e.Key), Is.EquivalentTo(new[]
        {
            "auth.tokenUrl", "auth.clientId", "auth.scope", "auth.clientAuth", "secret", "clientSecret",
            "resilience.maxRetries", "resilience.breakerFailureRatio",
        }));
    }

    [Test]
    public async Task A_refresh_token_connection_keeps_its_secrets_write_only_and_runs_with_a_fetched_token()
    {
        var tenant = Samples.NewTenant();
        var refresh = Samples.Canary("refresh");
        var clientSecret = Samples.Canary("client");
        var access = Samples.Canary("access");
        await using var tokenEndpoint = await ThirdPartyApi.StartAsync();
        tokenEndpoint.Respond = _ => (200, new JsonObject { ["access_token"] = access, ["token_type"] = "Bearer", ["expires_in"] = 600 }.ToJsonString());
        var body = new JsonObject
        {
            ["name"] = "OAuth API",
            ["baseUrl"] = new Uri(ThirdParty.Address, "/api/v2").ToString(),
            ["auth"] = new JsonObject
            {
                ["type"] = "oauth2RefreshToken", ["tokenUrl"] = new Uri(tokenEndpoint.Address, "/oauth/token").ToString(), ["clientId"] = "blubees",
            },
            ["secret"] = refresh,
            ["clientSecret"] = clientSecret,
            ["resilience"] = new JsonObject { ["maxRetries"] = 1, ["maxConcurrency"] = 4 },
        };

        var created = await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, body, 201);
        var id = created["id"]!.GetValue<string>();
        Assert.That(created["secretSet"]!.GetValue<bool>(), Is.True);
        Assert.That(created["clientSecretSet"]!.GetValue<bool>(), Is.True);
        Assert.That(created["auth"]!["clientAuth"]!.GetValue<string>(), Is.EqualTo("body"));
        Assert.That(created["resilience"]!["maxConcurrency"]!.GetValue<int>(), Is.EqualTo(4));

        await CreateRuleAsync(tenant, Samples.Rule(id));
        using (await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-611", "oauth")))
        {
            var got = await Waits.UntilAsync(() => Task.FromResult(ThirdParty.Received), r => r.Any(x => x.Path.EndsWith("/OPS-611", StringComparison.Ordinal)));
            Assert.That(got.Single(x => x.Path.EndsWith("/OPS-611", StringComparison.Ordinal)).Headers["Authorization"], Is.EqualTo("Bearer " + access));
        }

        var tokenRequest = tokenEndpoint.Received.Single();
        Assert.That(tokenRequest.Body, Does.Contain("grant_type=refresh_token").And.Contain("client_id=blubees"));
        var runs = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 1);
        var everything = string.Join('\n',
            created.ToJsonString(),
            (await Backend.JsonAsync(HttpMethod.Get, $"/api/connections/{id}", tenant)).ToJsonString(),
            runs.ToJsonString(),
            string.Join('\n', await Backend.DumpStoreAsync()),
            Backend.Logs.AllText);
        foreach (var canary in new[] { refresh, clientSecret, access })
        {
            Assert.That(everything, Does.Not.Contain(canary));
        }
    }
}
