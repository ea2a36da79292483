using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Admin;

/// <summary>
/// Every URL a tenant configures — a connection's <c>baseUrl</c>, an OAuth <c>auth.tokenUrl</c>, an HTTP step's
/// constant <c>url</c> — with a character RFC 3986 does not allow unencoded inside it (a line break, a NUL, a control
/// character, a space, a tab, a line separator) or one that is invisible on screen (U+202E turning the text around, a
/// zero-width space, a byte order mark), or with port 0: a 400 naming the field, on create and on edit, nothing saved,
/// the URL not echoed. Before, each was saved as sent and read back raw (the UI showed "https://example.com/‮gnp.exe"
/// as another address), and .NET's <see cref="Uri"/> escaped it silently at run time. Surrounding spaces stay allowed
/// (they are trimmed).
/// </summary>
public sealed class ConfiguredUrlTextTests : BackendFixture
{
    private const string Marker = "urlcanary";

    private static readonly (string Name, string Url)[] Bad =
    [
        ("line break", $"https://api.example.com/{Marker}\r\nX-Evil: 1"),
        ("NUL", $"https://api.example.com/{Marker}\u0000"),
        ("control character", $"https://api.example.com/{Marker}\u0001"),
        ("space", $"https://api.example.com/{Marker} x"),
        ("tab inside", $"https://api.example.com/{Marker}\tx"),
        ("line separator", $"https://api.example.com/{Marker}\u2028x"),
        ("right-to-left override", $"https://api.example.com/{Marker}\u202Egnp.exe"),
        ("zero-width space", $"https://api.example.com/{Marker}\u200Bx"),
        ("byte order mark", $"https://api.example.com/{Marker}\uFEFF"),
        ("port 0", $"https://api.example.com:0/{Marker}"),
    ];

    private string _tenant = null!;
    private string _connection = null!;

    [OneTimeSetUp]
    public async Task SetUpTenantAsync()
    {
        _tenant = Samples.NewTenant();
        _connection = (await Backend.JsonAsync(HttpMethod.Post, "/api/connections", _tenant, Connection("https://api.example.com/v1"), 201))["id"]!.GetValue<string>();
    }

    private static JsonObject Connection(string baseUrl, string? tokenUrl = null) => new()
    {
        ["name"] = "Tickets " + Guid.NewGuid().ToString("N")[..6],
        ["baseUrl"] = baseUrl,
        ["auth"] = tokenUrl is null
            ? new JsonObject { ["type"] = "bearer" }
            : new JsonObject { ["type"] = "oauth2ClientCredentials", ["tokenUrl"] = tokenUrl, ["clientId"] = "client" },
        ["secret"] = "k",
    };

    private JsonObject Rule(string url) => new()
    {
        ["name"] = "Url " + Guid.NewGuid().ToString("N")[..6],
        ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
        ["steps"] = new JsonArray(new JsonObject { ["id"] = "call", ["type"] = "http", ["connection"] = _connection, ["method"] = "GET", ["url"] = url }),
    };

    private static IEnumerable<TestCaseData> Cases()
        => new[] { "baseUrl", "auth.tokenUrl", "steps[0].url" }.Select(f => new TestCaseData(f).SetName("a hidden character or port 0 in " + f));

    [TestCaseSource(nameof(Cases))]
    public async Task Is_a_400_naming_the_field_and_nothing_is_saved(string field)
    {
        var collection = field.StartsWith("steps", StringComparison.Ordinal) ? "rules" : "connections";
        var before = (await Backend.JsonAsync(HttpMethod.Get, "/api/" + collection, _tenant))["items"]!.AsArray().Count;
        var failures = new List<string>();
        foreach (var (name, url) in Bad)
        {
            foreach (var (method, path) in new[] { (HttpMethod.Post, "/api/" + collection), (HttpMethod.Put, collection == "rules" ? null : $"/api/connections/{_connection}") })
            {
                if (path is null)
                {
                    continue;
                }

                JsonObject body = field switch
                {
                    "baseUrl" => Connection(url),
                    "auth.tokenUrl" => Connection("https://api.example.com/v1", url),
                    // Inside the connection's base URL (/v1), so no other rule (credential scope) refuses it first.
                    _ => Rule(url.Replace(".com/", ".com/v1/", StringComparison.Ordinal).Replace(":0/", ":0/v1/", StringComparison.Ordinal)),
                };
                using var response = await Backend.SendAsync(method, path, _tenant, body);
                var text = await response.Content.ReadAsStringAsync();
                var errors = response.StatusCode == HttpStatusCode.BadRequest ? JsonNode.Parse(text)?["errors"]?.AsObject() : null;
                if (errors is null || !errors.ContainsKey(field) || text.Contains(Marker, StringComparison.Ordinal))
                {
                    failures.Add($"{method} {name}: {(int)response.StatusCode} {text[..Math.Min(300, text.Length)]}");
                }
            }
        }

        var after = await Backend.JsonAsync(HttpMethod.Get, "/api/" + collection, _tenant);
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
        Assert.That(after["items"]!.AsArray(), Has.Count.EqualTo(before), "nothing was created");
        Assert.That(after.ToJsonString(), Does.Not.Contain(Marker), "nothing was changed");
    }

    [Test]
    public async Task Surrounding_spaces_are_still_trimmed_and_a_plain_url_saved()
    {
        var saved = await Backend.JsonAsync(HttpMethod.Post, "/api/connections", _tenant, Connection(" https://api.example.com/v2\t ", "https://login.example.com/token"), 201);
        Assert.That(saved["baseUrl"]!.GetValue<string>(), Is.EqualTo("https://api.example.com/v2"));
        await Backend.JsonAsync(HttpMethod.Post, "/api/rules", _tenant, Rule("https://api.example.com/v1/items/%20x"), 201);
    }
}
