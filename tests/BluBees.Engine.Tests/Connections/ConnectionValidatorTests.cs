using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Connections;

public sealed class ConnectionValidatorTests
{
    private static readonly EgressOptions Defaults = new();
    private static readonly EgressOptions Permissive = new() { AllowHttp = true, AllowPrivateNetworks = true, AllowAnyPort = true };

    private static ConnectionInput Input(ConnectionAuth? auth = null, string? secret = "s3cret", string? name = "Slack", string? baseUrl = "https://slack.com/api")
        => new() { Name = name, BaseUrl = baseUrl, Auth = auth ?? new ConnectionAuth { Type = AuthTypes.Bearer }, Secret = secret };

    private static IDictionary<string, string[]> Errors(ConnectionInput input, bool hasStoredSecret = false, EgressOptions? egress = null)
        => ConnectionValidator.Validate(input, hasStoredSecret, egress ?? Defaults).ToDictionary();

    private static Dictionary<string, string[]> Only(string path, string message) => new() { [path] = [message] };

    [Test]
    public void AcceptsEveryAuthType()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Errors(Input(new ConnectionAuth { Type = AuthTypes.None }, secret: null)), Is.Empty);
            Assert.That(Errors(Input(new ConnectionAuth { Type = AuthTypes.Bearer })), Is.Empty);
            Assert.That(Errors(Input(new ConnectionAuth { Type = AuthTypes.Basic, Username = "ann@example.com" })), Is.Empty);
            Assert.That(Errors(Input(new ConnectionAuth { Type = AuthTypes.ApiKey, In = "header", Name = "X-Api-Key" })), Is.Empty);
            Assert.That(Errors(Input(new ConnectionAuth { Type = AuthTypes.ApiKey, In = "query", Name = "api_key" })), Is.Empty);
        }
    }

    [TestCase(null, "is required")]
    [TestCase("", "is required")]
    [TestCase("   ", "is required")]
    public void ANameIsRequired(string? name, string message)
    {
        Assert.That(Errors(Input(name: name)), Is.EqualTo(Only("name", message)));
    }

    [Test]
    public void ANameIsAtMost100Characters()
    {
        Assert.That(Errors(Input(name: new string('n', 100))), Is.Empty);
        Assert.That(Errors(Input(name: new string('n', 101))), Is.EqualTo(Only("name", "may be at most 100 characters")));
    }

    [TestCase(null, "is required")]
    [TestCase(" ", "is required")]
    [TestCase("slack.com/api", "The URL must be absolute (https://host/path).")]
    [TestCase("/api", "The URL must be absolute (https://host/path).")]
    [TestCase("http://slack.com/api", "Scheme 'http' is not allowed; use https.")]
    [TestCase("ftp://slack.com/", "Scheme 'ftp' is not allowed; use https.")]
    [TestCase("https://127.0.0.1/api", "Destination '127.0.0.1' is not allowed: it is not a public address.")]
    [TestCase("https://10.1.2.3/api", "Destination '10.1.2.3' is not allowed: it is not a public address.")]
    [TestCase("https://[::1]/api", "Destination '[::1]' is not allowed: it is not a public address.")]
    [TestCase("https://169.254.169.254/", "Destination '169.254.169.254' is not allowed: it is not a public address.")]
    [TestCase("https://localhost/api", "Host 'localhost' is not allowed.")]
    [TestCase("https://slack.com:8443/api", "Port 8443 is not allowed.")]
    [TestCase("https://bot:pw@slack.com/api", "The URL must not contain user info (user:password@); configure credentials on the connection.")]
    [TestCase("https://slack.com/api?token=x", "must not have a query or fragment")]
    [TestCase("https://slack.com/api#frag", "must not have a query or fragment")]
    public void TheBaseUrlMustBeASafeHttpsOrigin(string? baseUrl, string message)
    {
        Assert.That(Errors(Input(baseUrl: baseUrl)), Is.EqualTo(Only("baseUrl", message)));
    }

    [Test]
    public void TheBaseUrlIsAtMost2048Characters()
    {
        var prefix = "https://slack.com/";

        Assert.That(Errors(Input(baseUrl: prefix + new string('p', 2048 - prefix.Length))), Is.Empty);
        Assert.That(Errors(Input(baseUrl: prefix + new string('p', 2049 - prefix.Length))), Is.EqualTo(Only("baseUrl", "may be at most 2048 characters")));
    }

    [TestCase("http://slack.com/api")]
    [TestCase("http://127.0.0.1:8080/api")]
    [TestCase("https://10.1.2.3/api")]
    [TestCase("https://localhost:5001/")]
    public void PermissiveEgressOptionsAllowLocalTargets(string baseUrl)
    {
        Assert.That(Errors(Input(baseUrl: baseUrl), egress: Permissive), Is.Empty);
    }

    [Test]
    public void CloudMetadataStaysBlockedUnderPermissiveOptions()
    {
        Assert.That(Errors(Input(baseUrl: "http://169.254.169.254/latest"), egress: Permissive).Keys, Is.EqualTo(new[] { "baseUrl" }));
    }

    [TestCase(null, "is required: one of none, apiKey, bearer, basic, oauth2ClientCredentials, oauth2RefreshToken")]
    [TestCase("oauth2", "'oauth2' is not an auth type: use one of none, apiKey, bearer, basic, oauth2ClientCredentials, oauth2RefreshToken")]
    [TestCase("Bearer", "'Bearer' is not an auth type: use one of none, apiKey, bearer, basic, oauth2ClientCredentials, oauth2RefreshToken")]
    public void TheAuthTypeIsOneOfTheKnownTypes(string? type, string message)
    {
        Assert.That(Errors(Input(new ConnectionAuth { Type = type })), Is.EqualTo(Only("auth.type", message)));
    }

    [Test]
    public void AMissingAuthIsReportedAsAMissingType()
    {
        Assert.That(Errors(Input() with { Auth = null }).Keys, Is.EqualTo(new[] { "auth.type" }));
    }

    [TestCase(AuthTypes.Bearer)]
    [TestCase(AuthTypes.Basic)]
    [TestCase(AuthTypes.ApiKey)]
    public void ASecretIsRequiredWhenNoneIsStored(string type)
    {
        var auth = new ConnectionAuth { Type = type, Username = "ann", In = "header", Name = "X-Key" };

        Assert.That(Errors(Input(auth, secret: null)), Is.EqualTo(Only("secret", $"is required for auth type {type}")));
        Assert.That(Errors(Input(auth, secret: "")), Is.EqualTo(Only("secret", $"is required for auth type {type}")));
        Assert.That(Errors(Input(auth, secret: null), hasStoredSecret: true), Is.Empty, "an update may keep the stored secret");
    }

    [Test]
    public void NoneTakesNoSecret()
    {
        Assert.That(Errors(Input(new ConnectionAuth { Type = AuthTypes.None }, secret: "x")), Is.EqualTo(Only("secret", "must be empty when auth type is none")));
        Assert.That(Errors(Input(new ConnectionAuth { Type = AuthTypes.None }, secret: "")), Is.Empty);
    }

    [Test]
    public void ASecretIsAtMost8192Characters()
    {
        Assert.That(Errors(Input(secret: new string('s', ConnectionValidator.MaxSecretLength))), Is.Empty);
        Assert.That(Errors(Input(secret: new string('s', ConnectionValidator.MaxSecretLength + 1))), Is.EqualTo(Only("secret", "may be at most 8192 characters")));
    }

    [TestCase("abc\r\nX-Injected: 1")]
    [TestCase("abc\n")]
    [TestCase("a\tb")]
    [TestCase("a\0b")]
    [TestCase("a\u007fb")]
    public void ASecretHasNoControlCharacters(string secret)
    {
        Assert.That(Errors(Input(secret: secret)), Is.EqualTo(Only("secret", "must not contain control characters")));
    }

    [TestCase(null)]
    [TestCase("body")]
    [TestCase("Header")]
    public void AnApiKeyGoesInAHeaderOrTheQuery(string? where)
    {
        Assert.That(Errors(Input(new ConnectionAuth { Type = AuthTypes.ApiKey, In = where, Name = "X-Key" })), Is.EqualTo(Only("auth.in", "must be 'header' or 'query' for an API key")));
    }

    [TestCase(null)]
    [TestCase(" ")]
    [TestCase("X Key")]
    [TestCase("X-Key:")]
    [TestCase("Ключ")]
    public void AnApiKeyNameIsAToken(string? name)
    {
        Assert.That(Errors(Input(new ConnectionAuth { Type = AuthTypes.ApiKey, In = "header", Name = name })),
            Is.EqualTo(Only("auth.name", "must be a header or parameter name (letters, digits, and !#$%&'*+-.^_`|~)")));
    }

    /// <summary>
    /// A header value goes out as ASCII only (the HTTP client refuses anything else while sending), so a bearer token or
    /// a header API key with other characters was saved and then failed every run as a connection failure.
    /// </summary>
    [TestCase("tökén")]
    [TestCase("key with-nbsp")]
    [TestCase("ключ")]
    public void ASecretSentInAHeaderIsAscii(string secret)
    {
        const string Message = "must be ASCII text: it is sent in a request header";
        Assert.That(Errors(Input(secret: secret)), Is.EqualTo(Only("secret", Message)), "bearer");
        Assert.That(Errors(Input(new ConnectionAuth { Type = AuthTypes.ApiKey, In = "header", Name = "X-Key" }, secret: secret)), Is.EqualTo(Only("secret", Message)), "API key header");
        Assert.That(Errors(Input(new ConnectionAuth { Type = AuthTypes.ApiKey, In = "query", Name = "key" }, secret: secret)), Is.Empty, "a query parameter is escaped");
        Assert.That(Errors(Input(new ConnectionAuth { Type = AuthTypes.Basic, Username = "ann" }, secret: secret)), Is.Empty, "basic auth is base64-encoded");
    }

    [Test]
    public void AnApiKeyNameIsAtMost100Characters()
    {
        Assert.That(Errors(Input(new ConnectionAuth { Type = AuthTypes.ApiKey, In = "query", Name = new string('k', 100) })), Is.Empty);
        Assert.That(Errors(Input(new ConnectionAuth { Type = AuthTypes.ApiKey, In = "query", Name = new string('k', 101) })).Keys, Is.EqualTo(new[] { "auth.name" }));
    }

    [TestCase("Host")]
    [TestCase("cookie")]
    [TestCase("Content-Length")]
    [TestCase("Proxy-Authorization")]
    public void AnApiKeyCannotUseAReservedHeader(string name)
    {
        Assert.That(Errors(Input(new ConnectionAuth { Type = AuthTypes.ApiKey, In = "header", Name = name })),
            Is.EqualTo(Only("auth.name", $"'{name}' is managed by BluBees and cannot carry an API key")));
        Assert.That(Errors(Input(new ConnectionAuth { Type = AuthTypes.ApiKey, In = "query", Name = name })), Is.Empty, "as a query parameter the name is free");
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("ann:admin")]
    [TestCase("ann\n")]
    public void BasicNeedsAUsernameWithoutColonOrControlCharacters(string? username)
    {
        Assert.That(Errors(Input(new ConnectionAuth { Type = AuthTypes.Basic, Username = username })),
            Is.EqualTo(Only("auth.username", "is required for basic auth, without ':' or control characters")));
    }

    [Test]
    public void ABasicUsernameIsAtMost200Characters()
    {
        Assert.That(Errors(Input(new ConnectionAuth { Type = AuthTypes.Basic, Username = new string('u', 200) })), Is.Empty);
        Assert.That(Errors(Input(new ConnectionAuth { Type = AuthTypes.Basic, Username = new string('u', 201) })).Keys, Is.EqualTo(new[] { "auth.username" }));
    }

    [Test]
    public void ReportsEveryProblemAtOnce()
    {
        var input = new ConnectionInput
        {
            Name = "",
            BaseUrl = "http://127.0.0.1/",
            Auth = new ConnectionAuth { Type = AuthTypes.ApiKey, In = "cookie", Name = "a b" },
            Secret = null,
        };

        Assert.That(Errors(input).Keys, Is.EquivalentTo(new[] { "name", "baseUrl", "secret", "auth.in", "auth.name" }));
    }

    [Test]
    public void ErrorsNeverEchoTheSecret()
    {
        var errors = Errors(Input(secret: "leak-me\n" + new string('x', 9000)));

        Assert.That(errors.Values.SelectMany(m => m), Has.None.Contains("leak-me"));
    }
}
