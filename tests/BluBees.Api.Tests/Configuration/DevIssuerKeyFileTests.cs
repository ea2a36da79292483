using BluBees.Api.Tests.Harness;
using BluBees.Engine.DevTokens;

namespace BluBees.Api.Tests.Configuration;

/// <summary>
/// README, "The two commands": in development the backend creates the development token issuer's RSA key
/// (<c>.data/dev-issuer.pem</c>, mode 0600) on start, beside the database and the key ring, so the CLI finds it at
/// once; with the development issuer off no such key is ever written.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DevIssuerKeyFileTests
{
    [Test]
    public async Task In_development_the_issuer_key_exists_with_mode_0600_as_soon_as_the_backend_has_started()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?> { ["DevIssuer:Enabled"] = "true" });
        var key = Path.Combine(backend.DataDirectory, DevTokenIssuer.KeyFileName);
        Assert.That(File.Exists(key), Is.True, "created on start, before any token was asked for");
        Assert.That(File.GetUnixFileMode(key), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    [Test]
    public async Task Without_the_development_issuer_no_issuer_key_is_written()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var backend = await BackendHost.StartAsync(issuer);
        using var response = await backend.Client.GetAsync(new Uri(backend.Address, "/health"));
        Assert.That(File.Exists(Path.Combine(backend.DataDirectory, DevTokenIssuer.KeyFileName)), Is.False);
    }
}
