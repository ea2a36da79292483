using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Api.Tests.Support;

/// <summary>Grants end on time, MFA sign-ins age out, and audit entries age out after the retention, on the injected clock.</summary>
public sealed class SupportExpiryTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TestIssuer _forge = null!;
    private SupportIssuer _idp = null!;
    private BackendHost _backend = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _forge = await TestIssuer.StartAsync();
        _idp = await SupportIssuer.StartAsync();
        var settings = _idp.Settings();
        settings["Support:AuditRetentionDays"] = "2";
        _backend = await BackendHost.StartAsync(_forge, settings, services => services.AddSingleton<TimeProvider>(_time));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _backend.DisposeAsync();
        await _idp.DisposeAsync();
        await _forge.DisposeAsync();
    }

    private async Task<JsonNode> AdminAsync(HttpMethod method, string path, string tenant, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await _backend.SendWithTokenAsync(method, path, _forge.Mint(TestIssuer.For(tenant), now: _time.GetUtcNow()), body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(expected), text);
        return JsonNode.Parse(text)!;
    }

    private async Task<HttpStatusCode> SupportReadAsync(string tenant, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/support/tenants/{Uri.EscapeDataString(tenant)}/runs");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? _idp.Mint(now: _time.GetUtcNow()));
        using var response = await _backend.Client.SendAsync(request);
        return response.StatusCode;
    }

    [Test]
    public async Task A_token_is_refused_once_its_mfa_sign_in_is_older_than_the_max_age_on_the_injected_clock()
    {
        var tenant = Samples.NewTenant();
        await AdminAsync(HttpMethod.Post, "/api/support/grants", tenant, new JsonObject { ["hours"] = 3 }, HttpStatusCode.Created);
        var signedIn = _time.GetUtcNow();
        var token = _idp.Mint(c => c["exp"] = signedIn.AddHours(2).ToUnixTimeSeconds(), now: signedIn);

        _time.Advance(TimeSpan.FromMinutes(60));
        Assert.That(await SupportReadAsync(tenant, token), Is.EqualTo(HttpStatusCode.OK), "60 minutes after the sign-in");

        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.That(await SupportReadAsync(tenant, token), Is.EqualTo(HttpStatusCode.Forbidden), "past 60 minutes and the 30 s skew");
        var audit = (await AdminAsync(HttpMethod.Get, "/api/support/audit", tenant))["items"]!.AsArray();
        Assert.That(audit.Select(e => e!["reason"]?.GetValue<string>()), Is.EqualTo(new[] { "mfa_too_old", null }));
    }

    [Test]
    public async Task Repeated_denials_are_counted_per_window_and_a_new_window_starts_a_new_entry()
    {
        var tenant = Samples.NewTenant();
        var grantId = (await AdminAsync(HttpMethod.Post, "/api/support/grants", tenant, new JsonObject { ["hours"] = 1 }, HttpStatusCode.Created))["id"]!.GetValue<string>();
        using (var revoke = await _backend.SendWithTokenAsync(HttpMethod.Delete, "/api/support/grants/" + grantId, _forge.Mint(TestIssuer.For(tenant), now: _time.GetUtcNow())))
        {
            Assert.That(revoke.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        for (var i = 0; i < 3; i++)
        {
            Assert.That(await SupportReadAsync(tenant), Is.EqualTo(HttpStatusCode.Forbidden));
            _time.Advance(TimeSpan.FromMinutes(4));
        }

        // 12 minutes after the first denial: its 10-minute window is over.
        Assert.That(await SupportReadAsync(tenant), Is.EqualTo(HttpStatusCode.Forbidden));

        var audit = (await AdminAsync(HttpMethod.Get, "/api/support/audit", tenant))["items"]!.AsArray();
        Assert.That(audit.Select(e => e!["count"]!.GetValue<int>()), Is.EqualTo(new[] { 1, 3 }), "newest first");
    }

    [Test]
    public async Task A_grant_opens_the_run_log_until_it_expires_and_the_audit_ages_out_after_the_retention()
    {
        var tenant = Samples.NewTenant();
        await AdminAsync(HttpMethod.Post, "/api/support/grants", tenant, new JsonObject { ["hours"] = 1 }, HttpStatusCode.Created);

        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.That(await SupportReadAsync(tenant), Is.EqualTo(HttpStatusCode.OK), "a minute before expiry");

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.That(await SupportReadAsync(tenant), Is.EqualTo(HttpStatusCode.Forbidden), "expiresAt > now is required");
        var grant = (await AdminAsync(HttpMethod.Get, "/api/support/grants", tenant))["items"]![0]!;
        Assert.That(grant["active"]!.GetValue<bool>(), Is.False);
        var audit = (await AdminAsync(HttpMethod.Get, "/api/support/audit", tenant))["items"]!.AsArray();
        Assert.That(audit.Select(e => e!["outcome"]!.GetValue<string>()), Is.EqualTo(new[] { "denied", "allowed" }));

        _time.Advance(TimeSpan.FromDays(2) + TimeSpan.FromMinutes(1));
        Assert.That((await AdminAsync(HttpMethod.Get, "/api/support/audit", tenant))["items"]!.AsArray(), Is.Empty, "entries expire after the retention");
        Assert.That((await AdminAsync(HttpMethod.Get, "/api/support/grants", tenant))["items"]!.AsArray(), Is.Empty, "the grant is kept for expiry + retention, then goes");
    }
}
