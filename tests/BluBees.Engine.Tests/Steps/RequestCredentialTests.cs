using System.Text;
using BluBees.Engine.Connections;
using BluBees.Engine.Connections.Credentials;
using BluBees.Engine.Egress;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps;
using BluBees.Engine.Templates;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;
using static BluBees.Engine.Tests.Support.StepKit;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Steps;

/// <summary>How <see cref="RequestBuilder"/> attaches a connection's credential, and where it refuses to.</summary>
public sealed class RequestCredentialTests
{
    private const string Secret = "s3cr3t value&=";

    private static readonly ConnectionAuth Bearer = new() { Type = AuthTypes.Bearer };
    private static readonly ConnectionAuth Basic = new() { Type = AuthTypes.Basic, Username = "ann" };
    private static readonly ConnectionAuth HeaderKey = new() { Type = AuthTypes.ApiKey, In = "header", Name = "X-Api-Key" };
    private static readonly ConnectionAuth QueryKey = new() { Type = AuthTypes.ApiKey, In = "query", Name = "api_key" };

    private static (PreparedRequest? Request, BuildFailure? Failure) TryBuild(ConnectionAuth auth, string stepJson, string? secret = Secret)
    {
        var connection = Connection(auth: auth);
        var step = Valid(stepJson, ConnectionMap(connection));
        return RequestBuilder.Build(step, connection, StaticCredentials.From(connection, secret), Scope(), TemplateLimits.Default);
    }

    private static PreparedRequest Build(ConnectionAuth auth, string stepJson = """{ "id": "s", "type": "http", "connection": "conn_api", "path": "/me" }""", string? secret = Secret)
    {
        var (request, failure) = TryBuild(auth, stepJson, secret);
        Assert.That(failure, Is.Null, () => failure!.Message);
        return request!;
    }

    [Test]
    public void BearerSetsTheAuthorizationHeader()
    {
        var request = Build(Bearer);

        Assert.That(request.Headers, Is.EqualTo(new[] { new EgressHeader("Authorization", "Bearer " + Secret, IsCredential: true) }));
        Assert.That(request.Url.AbsoluteUri, Is.EqualTo("https://api.example.com/v1/me"));
    }

    [Test]
    public void BasicEncodesUserAndPassword()
    {
        var request = Build(Basic);
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ann:" + Secret));

        Assert.That(request.Headers, Is.EqualTo(new[] { new EgressHeader("Authorization", expected, IsCredential: true) }));
    }

    [Test]
    public void AnApiKeyHeaderCarriesTheSecretAsIs()
    {
        var request = Build(HeaderKey);

        Assert.That(request.Headers, Is.EqualTo(new[] { new EgressHeader("X-Api-Key", Secret, IsCredential: true) }));
        Assert.That(request.Url.Query, Is.Empty);
    }

    [Test]
    public void AnApiKeyQueryParameterIsEscapedAndNotAHeader()
    {
        var request = Build(QueryKey, """{ "id": "s", "type": "http", "connection": "conn_api", "path": "/me", "query": { "a": "1" } }""");

        Assert.That(request.Url.Query, Is.EqualTo("?a=1&api_key=s3cr3t%20value%26%3D"));
        Assert.That(request.Headers, Is.Empty);
    }

    [TestCase("Authorization")]
    [TestCase("authorization")]
    public void TheConnectionsAuthorizationReplacesTheStepsOwn(string name)
    {
        var step = $$"""{ "id": "s", "type": "http", "connection": "conn_api", "headers": { "{{name}}": "Bearer forged", "X-Other": "1" } }""";

        var bearer = Build(Bearer, step);
        var basic = Build(Basic, step);

        Assert.That(bearer.Headers.Where(h => h.Name.Equals("Authorization", StringComparison.OrdinalIgnoreCase)).Select(h => h.Value), Is.EqualTo(new[] { "Bearer " + Secret }));
        Assert.That(basic.Headers.Where(h => h.Name.Equals("Authorization", StringComparison.OrdinalIgnoreCase)).Select(h => h.Value), Has.Exactly(1).StartsWith("Basic "));
        Assert.That(bearer.Headers.Single(h => h.Name == "X-Other").IsCredential, Is.False);
    }

    [Test]
    public void TheConnectionsApiKeyReplacesAStepHeaderOfTheSameName()
    {
        var request = Build(HeaderKey, """{ "id": "s", "type": "http", "connection": "conn_api", "headers": { "x-api-key": "forged" } }""");

        Assert.That(request.Headers, Is.EqualTo(new[] { new EgressHeader("X-Api-Key", Secret, IsCredential: true) }));
    }

    [Test]
    public void AStepsOwnAuthorizationHeaderIsTreatedAsACredential()
    {
        var request = Build(new ConnectionAuth { Type = AuthTypes.None }, """{ "id": "s", "type": "http", "connection": "conn_api", "headers": { "Authorization": "Token {{ issue.key }}", "X-Trace": "1" } }""", secret: null);

        Assert.That(request.Headers, Is.EqualTo(new[] { new EgressHeader("Authorization", "Token PRJ-12", IsCredential: true), new EgressHeader("X-Trace", "1") }));
    }

    [Test]
    public void WithoutASecretNoCredentialIsAttached()
    {
        Assert.That(Build(Bearer, secret: null).Headers, Is.Empty);
    }

    // The first case was "https://api.example.com/v2/other" (same origin, other path), which asserted the leak: a
    // connection's credential goes only to its base URL (https://api.example.com/v1 here), path included.
    [TestCase("https://api.example.com/v1/other", Description = "same origin, under the base path")]
    [TestCase("https://API.EXAMPLE.COM/v1/x", Description = "host names are case-insensitive")]
    [TestCase("https://api.example.com:443/v1/x", Description = "the default port is the same origin")]
    [TestCase("https://api.example.com/v1", Description = "the base URL itself")]
    public void AUrlStepInsideTheConnectionsBaseUrlGetsTheCredential(string url)
    {
        var request = Build(Bearer, $$"""{ "id": "s", "type": "http", "connection": "conn_api", "url": "{{url}}" }""");

        Assert.That(request.Headers.Single().Value, Is.EqualTo("Bearer " + Secret));
    }

    [TestCase("https://api.example.com/v2/other")]
    [TestCase("https://api.example.com/v1x")]
    [TestCase("https://api.example.com/")]
    public void AUrlStepOnTheConnectionsHostOutsideItsBasePathIsRefused(string url)
    {
        var connection = Connection(auth: QueryKey);
        var step = ValidAtRunTime($$"""{ "id": "s", "type": "http", "connection": "conn_api", "url": "{{url}}" }""");

        var (request, failure) = RequestBuilder.Build(step, connection, StaticCredentials.From(connection, Secret), Scope(), TemplateLimits.Default);

        Assert.That(request, Is.Null);
        Assert.That(failure, Is.EqualTo(new BuildFailure(ErrorCategories.CredentialScope, "the URL is outside the connection's base URL; its credential is only sent there", "url")));
    }

    [TestCase(AuthTypes.Bearer, "https://evil.example.net/collect")]
    [TestCase(AuthTypes.Bearer, "https://api.example.com.evil.example.net/x")]
    [TestCase(AuthTypes.Bearer, "https://sub.api.example.com/x")]
    [TestCase(AuthTypes.Bearer, "http://api.example.com/x")]
    [TestCase(AuthTypes.Basic, "https://evil.example.net/collect")]
    [TestCase(AuthTypes.ApiKey, "https://evil.example.net/collect")]
    public void AUrlStepWithAConnectionMayNotLeaveItsOrigin(string type, string url)
    {
        var auth = type switch { AuthTypes.Basic => Basic, AuthTypes.ApiKey => QueryKey, _ => Bearer };
        var egress = new EgressOptions { AllowHttp = true };
        var connection = Connection(auth: auth);
        // Compiled as the worker does for a stored version (no connection map): the run-time fence must hold
        // even where save-time validation was bypassed (e.g. a restored backup).
        var step = ValidAtRunTime($$"""{ "id": "s", "type": "http", "connection": "conn_api", "url": "{{url}}" }""", egress);

        var (request, failure) = RequestBuilder.Build(step, connection, StaticCredentials.From(connection, Secret), Scope(), TemplateLimits.Default);

        Assert.That(request, Is.Null);
        Assert.That(failure, Is.EqualTo(new BuildFailure(ErrorCategories.CredentialScope, "the URL is not on the connection's host; its credential is only sent there")));
    }

    [TestCase("https://evil.example.net/collect")]
    [TestCase("https://api.example.com:8443/x")]
    public void A_constant_url_off_the_connections_origin_is_refused_at_save_time(string url)
    {
        var connection = Connection(auth: Bearer);
        var (step, errors) = Compile($$"""{ "id": "s", "type": "http", "connection": "conn_api", "url": "{{url}}" }""", ConnectionMap(connection), new EgressOptions { AllowAnyPort = true });
        Assert.That(step, Is.Null);
        Assert.That(errors.ToDictionary().Keys, Is.EqualTo(new[] { "url" }).Or.EqualTo(new[] { "s.url" }).Or.Some.EndsWith("url"));
    }

    [Test]
    public void ADifferentPortIsAnotherOrigin()
    {
        var egress = new EgressOptions { AllowAnyPort = true };
        var connection = Connection(auth: Bearer);
        var step = ValidAtRunTime("""{ "id": "s", "type": "http", "connection": "conn_api", "url": "https://api.example.com:8443/x" }""", egress);

        Assert.That(RequestBuilder.Build(step, connection, StaticCredentials.From(connection, Secret), Scope(), TemplateLimits.Default).Failure!.Category, Is.EqualTo(ErrorCategories.CredentialScope));
    }

    [Test]
    public void AUrlRenderedFromEventDataCannotCarryTheCredentialAway()
    {
        var connection = Connection(auth: Bearer);
        var step = Valid("""{ "id": "s", "type": "http", "connection": "conn_api", "url": "https://{{ issue.fields.summary }}/x" }""", ConnectionMap(connection));
        var scope = SampleEvents.Scope(SampleEvents.With("summary", "evil.example.net"));

        var (request, failure) = RequestBuilder.Build(step, connection, StaticCredentials.From(connection, Secret), scope, TemplateLimits.Default);

        Assert.That(request, Is.Null);
        Assert.That(failure!.Category, Is.EqualTo(ErrorCategories.CredentialScope));
        Assert.That(failure.Message, Does.Not.Contain(Secret).And.Not.Contain("evil"));
    }

    [TestCase(AuthTypes.Bearer, "Authorization", "Bearer " + RequestBuilder.Mask)]
    [TestCase(AuthTypes.Basic, "Authorization", "Basic " + RequestBuilder.Mask)]
    [TestCase(AuthTypes.ApiKey, "X-Api-Key", RequestBuilder.Mask)]
    public void TheMaskStandsInForTheSecretInDryRuns(string type, string header, string value)
    {
        var auth = type switch { AuthTypes.Basic => Basic, AuthTypes.ApiKey => HeaderKey, _ => Bearer };

        var request = Build(auth, secret: RequestBuilder.Mask);

        Assert.That(request.Headers, Is.EqualTo(new[] { new EgressHeader(header, value, IsCredential: true) }));
    }

    [Test]
    public void TheMaskStandsInForAQueryApiKey()
    {
        var request = Build(QueryKey, secret: RequestBuilder.Mask);

        Assert.That(Uri.UnescapeDataString(request.Url.Query), Is.EqualTo("?api_key=" + RequestBuilder.Mask));
        Assert.That(request.Url.OriginalString.Replace(Uri.EscapeDataString(RequestBuilder.Mask), RequestBuilder.Mask, StringComparison.Ordinal),
            Is.EqualTo("https://api.example.com/v1/me?api_key=" + RequestBuilder.Mask), "what the dry run shows");
    }

    /// <summary>
    /// Issue data written raw right after a url template's host (no '/' between): '@' turns the host into user info,
    /// '.x' or ':port' extend the host or set a port, '//' and '\' start another authority. Whatever it does to the
    /// URL, the credential goes to the connection's origin or nowhere.
    /// </summary>
    [TestCase("@evil.example.net/x")]
    [TestCase(".evil.example.net/x")]
    [TestCase(":8443/x")]
    [TestCase("%40evil.example.net/x")]
    [TestCase("\\\\evil.example.net/x")]
    [TestCase("@evil.example.net%2F")]
    public void Data_right_after_a_templated_urls_host_never_takes_the_credential_elsewhere(string data)
    {
        var connection = Connection(auth: Bearer);
        var step = ValidAtRunTime("""{ "id": "s", "type": "http", "connection": "conn_api", "url": "https://api.example.com{{ issue.fields.summary | url_raw }}" }""", new EgressOptions { AllowAnyPort = true });

        var (request, failure) = RequestBuilder.Build(step, connection, StaticCredentials.From(connection, Secret), SampleEvents.Scope(SampleEvents.With("summary", data)), TemplateLimits.Default);

        if (request is null)
        {
            Assert.That(failure!.Category, Is.AnyOf(ErrorCategories.CredentialScope, ErrorCategories.InvalidUrl));
            Assert.That(failure.Message, Does.Not.Contain(Secret).And.Not.Contain("evil"));
        }
        else
        {
            Assert.That(request.Url.GetLeftPart(UriPartial.Authority), Is.EqualTo("https://api.example.com"), request.Url.ToString());
            Assert.That(request.Url.UserInfo, Is.Empty);
        }
    }
}
