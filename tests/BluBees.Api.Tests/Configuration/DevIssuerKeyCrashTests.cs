using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Queue;
using BluBees.Engine.DevTokens;

namespace BluBees.Api.Tests.Configuration;

/// <summary>
/// The development issuer's key file through a <c>kill -9</c> of the backend's first start. The key used to be written
/// into a file created before the RSA key was generated (hundreds of milliseconds on the first start), so a kill in
/// between left an empty <c>dev-issuer.pem</c>, and every later start of the backend threw on it (an unhandled
/// ArgumentException: the embedded default never started again on that data directory; observed with real kills of a
/// first start, 3 of 5 left the file empty).
/// The key is now written whole and renamed into place, and the empty file such a kill left is replaced.
/// </summary>
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DevIssuerKeyCrashTests() : ChildProcessTests("dev-issuer-crash")
{
    [Test]
    public async Task A_backend_starts_on_the_empty_key_file_a_killed_first_start_left_and_keeps_the_key_it_writes()
    {
        Directory.CreateDirectory(DataDirectory);
        var key = Path.Combine(DataDirectory, DevTokenIssuer.KeyFileName);
        await File.WriteAllBytesAsync(key, []); // what the kill left: the file created, no key in it yet
        // and what a kill between the write of a new key and its rename leaves: a copy of a key nothing uses
        var leftover = key + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllTextAsync(leftover, "-----BEGIN PRIVATE KEY-----");

        var tenant = Samples.NewTenant();
        await using (var backend = await BackendProcess.StartAsync(DataDirectory))
        {
            // Its tokens verify: the admin API answers with one.
            using var created = await backend.SendAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(new Uri("https://tickets.example.com"), "t0ken"));
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());

            // The file now holds the key the backend signs with (the CLI signs with the file), owner-only, and nothing
            // else of a write is left beside it.
            using var jwks = await backend.GetAnonymousAsync("/dev/jwks.json");
            var kid = JsonNode.Parse(await jwks.Content.ReadAsStringAsync())!["keys"]![0]!["kid"]!.GetValue<string>();
            using (var fromFile = DevTokenIssuer.LoadOrCreate(DataDirectory))
            {
                Assert.That(fromFile.KeyId, Is.EqualTo(kid));
            }

            Assert.That(File.GetUnixFileMode(key), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            Assert.That(Directory.GetFiles(DataDirectory, DevTokenIssuer.KeyFileName + "*"), Is.EqualTo(new[] { key }));
            await backend.KillAsync();
        }

        // A later start keeps that key: the tenant's connection is still there for a token of the same issuer.
        await using var again = await BackendProcess.StartAsync(DataDirectory);
        var listed = await again.JsonAsync(HttpMethod.Get, "/api/connections", tenant);
        Assert.That(listed["items"]!.AsArray(), Has.Count.EqualTo(1));
        using var jwksAgain = await again.GetAnonymousAsync("/dev/jwks.json");
        using var issuer = DevTokenIssuer.LoadOrCreate(DataDirectory);
        Assert.That(JsonNode.Parse(await jwksAgain.Content.ReadAsStringAsync())!["keys"]![0]!["kid"]!.GetValue<string>(), Is.EqualTo(issuer.KeyId));
    }
}
