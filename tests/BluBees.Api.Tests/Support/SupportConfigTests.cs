using System.Net;
using BluBees.Api.Tests.Harness;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Tests.Support;

/// <summary>Support access is off unless configured, and half a configuration refuses to start.</summary>
public sealed class SupportConfigTests
{
    [Test]
    public async Task Disabled_by_default_no_support_route_exists()
    {
        await using var forge = await TestIssuer.StartAsync();
        await using var idp = await SupportIssuer.StartAsync();
        await using var backend = await BackendHost.StartAsync(forge);
        var path = $"/support/tenants/{Uri.EscapeDataString(Samples.NewTenant())}/runs";

        using var withSupportToken = await backend.SendWithTokenAsync(HttpMethod.Get, path, idp.Mint());
        using var withForgeToken = await backend.SendWithTokenAsync(HttpMethod.Get, path, forge.Mint(Samples.NewTenant()));

        Assert.That(withSupportToken.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(withForgeToken.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the route is not mapped at all");
    }

    [TestCase("Support:Issuer", "", "Support:Issuer")]
    [TestCase("Support:Audience", "", "Support:Audience")]
    [TestCase("Support:JwksUrl", "", "Support:JwksUrl")]
    [TestCase("Support:JwksUrl", "http://idp.example.com/keys", "https")]
    [TestCase("Support:ClockSkewSeconds", "61", "ClockSkewSeconds")]
    [TestCase("Support:RequiredRole", " ", "RequiredRole")]
    [TestCase("Support:AuditRetentionDays", "0", "AuditRetentionDays")]
    [TestCase("Support:MaxAuthAgeMinutes", "0", "MaxAuthAgeMinutes")]
    [TestCase("Support:MaxAuthAgeMinutes", "1441", "MaxAuthAgeMinutes")]
    public async Task An_incomplete_configuration_refuses_to_start(string key, string value, string named)
    {
        await using var forge = await TestIssuer.StartAsync();
        await using var idp = await SupportIssuer.StartAsync();
        var settings = idp.Settings();
        settings[key] = value;

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(async () => await (await BackendHost.StartAsync(forge, settings)).DisposeAsync());

        Assert.That(ex!.Message, Does.Contain(named));
    }
}
